/**
 * Gossip: our four topics on gossipsub. Every message passes the topic's size cap and the
 * application handlers inside gossipsub validation, and the verdict scores the relaying peer.
 */
import './polyfill.ts';
import { createHash } from 'node:crypto';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { P2pError } from './errors.ts';
import { GOSSIP_TOPICS, topicId, type GossipTopic } from './limits.ts';
import { PENALTY, REWARD_VALID } from './scores.ts';
import type { AdjustScore, GossipHandler, GossipMeta, GossipVerdict, HostContext } from './types.ts';
import { errorMessage } from '../../primitives/index.ts';

export interface Gossip {
  publish(topic: GossipTopic, data: Uint8Array): Promise<number>;
  onMessage(topic: GossipTopic, handler: GossipHandler): () => void;
  meshPeers(topic: GossipTopic): string[];
  topicPeers(topic: GossipTopic): string[];
}

export interface GossipOptions {
  /** Our gossipsub topic ids, each mapped to its topic. */
  topicNames: Map<string, GossipTopic>;
  topicMax: Record<GossipTopic, number>;
  adjustScore: AdjustScore;
}

/** Installs the topic validators; subscriptions follow the handlers registered with onMessage. */
export function createGossip(ctx: HostContext, gopts: GossipOptions): Gossip {
  const { chainId, scores, log } = ctx;
  const { topicNames, topicMax, adjustScore } = gopts;
  const pubsub = ctx.libp2p.services.pubsub;
  const gossipHandlers = new Map<GossipTopic, Set<GossipHandler>>();

  for (const [topicStr, topic] of topicNames) {
    pubsub.topicValidators.set(topicStr, async (propagationSource, msg) => {
      const from = propagationSource.toString();
      try {
        if (scores.isBanned(from)) return TopicValidatorResult.Ignore;
        if (msg.data.byteLength > topicMax[topic]) {
          adjustScore(from, PENALTY.invalidGossip, `${topic} message of ${msg.data.byteLength} bytes over ${topicMax[topic]}`);
          return TopicValidatorResult.Reject;
        }
        const handlers = gossipHandlers.get(topic);
        if (handlers === undefined || handlers.size === 0) return TopicValidatorResult.Ignore;
        const meta: GossipMeta = {
          topic,
          ...(msg.type === 'signed' ? { origin: msg.from.toString() } : {}),
          msgId: createHash('sha256').update(msg.data).digest('hex'),
        };
        let verdict: GossipVerdict = 'accept';
        for (const h of handlers) {
          let r: GossipVerdict;
          try {
            r = await h(msg.data, from, meta);
          } catch (err) {
            log.debug({ err: errorMessage(err), peer: from, topic }, 'p2p: gossip handler threw; rejecting');
            r = 'reject';
          }
          if (r === 'reject') {
            verdict = 'reject';
            break;
          }
          if (r !== 'accept') verdict = 'ignore';
        }
        if (verdict === 'reject') {
          adjustScore(from, PENALTY.invalidGossip, `${topic} message rejected`);
          return TopicValidatorResult.Reject;
        }
        if (verdict === 'accept') {
          adjustScore(from, REWARD_VALID, 'valid');
          return TopicValidatorResult.Accept;
        }
        return TopicValidatorResult.Ignore;
      } catch (err) {
        log.error({ err: errorMessage(err), peer: from, topic }, 'p2p: gossip validation failed');
        return TopicValidatorResult.Ignore;
      }
    });
  }

  function checkTopic(topic: GossipTopic): string {
    if (!(GOSSIP_TOPICS as readonly string[]).includes(topic)) {
      throw new P2pError('P2P_UNKNOWN_TOPIC', `unknown gossip topic ${JSON.stringify(topic)}; use one of ${GOSSIP_TOPICS.join(', ')}`);
    }
    return topicId(chainId, topic);
  }

  async function publish(topic: GossipTopic, data: Uint8Array): Promise<number> {
    const t = checkTopic(topic);
    if (ctx.isStopped()) throw new P2pError('P2P_NOT_STARTED', 'publish on a stopped host');
    if (data.byteLength > topicMax[topic]) {
      throw new P2pError('P2P_MESSAGE_TOO_LARGE', `${topic} message of ${data.byteLength} bytes exceeds ${topicMax[topic]}`);
    }
    const res = await pubsub.publish(t, data);
    return res.recipients.length;
  }

  function onMessage(topic: GossipTopic, handler: GossipHandler): () => void {
    const t = checkTopic(topic);
    let set = gossipHandlers.get(topic);
    if (set === undefined) {
      set = new Set();
      gossipHandlers.set(topic, set);
    }
    if (set.size === 0) pubsub.subscribe(t);
    set.add(handler);
    return () => {
      const s = gossipHandlers.get(topic);
      if (s === undefined || !s.delete(handler)) return;
      if (s.size === 0 && !ctx.isStopped()) pubsub.unsubscribe(t);
    };
  }

  return {
    publish,
    onMessage,
    meshPeers: (topic) => (pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers(checkTopic(topic)),
    topicPeers: (topic) => pubsub.getSubscribers(checkTopic(topic)).map((p) => p.toString()),
  };
}
