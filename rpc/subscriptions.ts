// WebSocket subscriptions: topics, per-connection bookkeeping, fan-out with slow-consumer drop.

import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { RpcError, RpcConfigError, LIMIT_EXCEEDED } from './errors.ts';
import { jsonReplacer } from './encoding.ts';
import type { RpcLogger, SubscriptionApi } from './types.ts';

export interface SubscriptionLimits {
  /** Subscriptions one connection may hold at once. */
  maxSubscriptionsPerConnection: number;
  /** A connection whose unsent bytes exceed this is terminated (slow consumer). */
  maxBufferedBytes: number;
}

/** One WebSocket peer: sends with backpressure checks and owns its subscriptions. */
export class WsPeer implements SubscriptionApi {
  readonly subs = new Map<string, string>(); // subscription id -> topic
  private dead = false;

  constructor(
    readonly socket: WebSocket,
    private readonly hub: SubscriptionHub,
    readonly remoteAddress: string | undefined,
    private readonly log: RpcLogger,
  ) {}

  /** Sends text unless the peer is closed or too slow; a slow peer is terminated. */
  send(text: string): boolean {
    if (this.dead || this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount + text.length > this.hub.limits.maxBufferedBytes) {
      this.log.warn({ remoteAddress: this.remoteAddress, bufferedAmount: this.socket.bufferedAmount }, 'rpc ws: dropping slow consumer');
      this.drop();
      this.socket.terminate();
      return false;
    }
    this.socket.send(text);
    return true;
  }

  subscribe(topic: string, filter?: string): string {
    if (this.dead) throw new RpcError(LIMIT_EXCEEDED, 'connection is closing');
    const max = this.hub.limits.maxSubscriptionsPerConnection;
    if (this.subs.size >= max) {
      throw new RpcError(LIMIT_EXCEEDED, `Too many subscriptions: limit is ${max} per connection`, { limit: max });
    }
    const id = '0x' + randomBytes(16).toString('hex');
    this.subs.set(id, topic);
    this.hub.add(topic, id, this, filter);
    return id;
  }

  unsubscribe(id: string): boolean {
    const topic = this.subs.get(id);
    if (topic === undefined) return false;
    this.subs.delete(id);
    this.hub.remove(topic, id);
    return true;
  }

  /** Removes every subscription (on close or drop). */
  drop(): void {
    this.dead = true;
    for (const [id, topic] of this.subs) this.hub.remove(topic, id);
    this.subs.clear();
  }
}

interface Subscriber {
  peer: WsPeer;
  /** Only publications with this key reach the subscriber; undefined: all of them. */
  filter: string | undefined;
}

export class SubscriptionHub {
  private readonly byTopic = new Map<string, Map<string, Subscriber>>();

  constructor(topics: readonly string[], readonly limits: SubscriptionLimits, private readonly log?: RpcLogger) {
    for (const t of topics) {
      if (typeof t !== 'string' || t.length === 0) throw new RpcConfigError('RPC_BAD_TOPIC', `topic names must be non-empty strings, got ${JSON.stringify(t)}`);
      this.byTopic.set(t, new Map());
    }
  }

  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  add(topic: string, id: string, peer: WsPeer, filter?: string): void {
    const m = this.byTopic.get(topic);
    if (!m) throw new RpcConfigError('RPC_UNKNOWN_TOPIC', `unknown topic ${topic}`);
    m.set(id, { peer, filter });
  }

  remove(topic: string, id: string): void {
    this.byTopic.get(topic)?.delete(id);
  }

  subscriberCount(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }

  /**
   * Pushes `data` to every subscriber of `topic` as
   * {"jsonrpc":"2.0","method":"subscription","params":{"subscription":id,"result":data}}.
   * Subscribers that gave a filter get it only when `key` equals their filter; the others always.
   * Returns how many subscribers it was sent to. Throws RpcConfigError for an unknown topic; data
   * that cannot be serialised (e.g. circular) is logged and sent to nobody (returns 0).
   */
  publish(topic: string, data: unknown, key?: string): number {
    const m = this.byTopic.get(topic);
    if (!m) throw new RpcConfigError('RPC_UNKNOWN_TOPIC', `publish to unknown topic ${JSON.stringify(topic)}; declare it in options.topics`);
    if (m.size === 0) return 0;
    const targets = [...m].filter(([, s]) => s.filter === undefined || s.filter === key);
    if (targets.length === 0) return 0;
    let result: string;
    try {
      result = JSON.stringify(data === undefined ? null : data, jsonReplacer);
    } catch (err) {
      // A payload that cannot be serialised must not break the publisher (the node's commit path).
      this.log?.error({ err, topic }, 'rpc publish: data could not be serialised; nothing sent');
      return 0;
    }
    let sent = 0;
    for (const [id, { peer }] of targets) {
      if (peer.send(`{"jsonrpc":"2.0","method":"subscription","params":{"subscription":"${id}","result":${result}}}`)) sent++;
    }
    return sent;
  }
}
