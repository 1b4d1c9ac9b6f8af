import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeCanonical, encode, type Encodable } from '../../vm/index.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

/**
 * Consensus write-ahead log: every input of the current height, written before the state machine
 * sees it, so a restarted validator replays to the same round, step and lock. Records are
 * length-prefixed canonical msgpack; a torn last record (crash mid-write) is dropped on read.
 * The log restarts (atomically) at every new height.
 *
 * Durability is grouped, as CometBFT's WriteSync for its own messages: an append is written, not
 * fsynced; `sync()` fsyncs everything written so far, and the validator calls it before its
 * double-sign guard persists a signature (sign-history.ts). So every input that led to a vote or
 * proposal this node signed is on disk before the signature exists, and a crash can lose only
 * inputs that produced no signature: replay then reaches an earlier state of the same height, which
 * gossip brings forward again. (An fsync per received vote was a third of a validator's main-thread
 * time under load: docs/bft-node.md, per-height costs.)
 *
 * Only messages that passed the inbound checks reach it (node/bft/gossip.ts), and even those are
 * bounded: a peer's proposal or vote already in the log is not written again (catch-up re-delivers
 * what it already holds), and once a height's log reaches `maxBytesPerHeight` further proposals and
 * votes are handed to the engine without being persisted (said once per height at warn). A replay
 * then misses them, which is safe: the double-sign guard, not the WAL, keeps own signatures
 * consistent. Heights and timeouts, this node's own few records, are always written.
 */
export type WalRecord =
  | { kind: 'height'; height: bigint }
  | { kind: 'proposal'; bytes: Uint8Array }
  | { kind: 'vote'; bytes: Uint8Array }
  | { kind: 'timeout'; height: bigint; round: number; step: string };

const TAG = { height: 1, proposal: 2, vote: 3, timeout: 4 } as const;

function toArray(r: WalRecord): Encodable[] {
  switch (r.kind) {
    case 'height': return [TAG.height, r.height];
    case 'proposal': return [TAG.proposal, r.bytes];
    case 'vote': return [TAG.vote, r.bytes];
    case 'timeout': return [TAG.timeout, r.height, r.round, r.step];
  }
}

function frame(r: WalRecord): Uint8Array {
  const body = encode(toArray(r));
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

export interface WalOptions {
  /** Most bytes of one height's log (default DEFAULT_WAL_MAX_BYTES_PER_HEIGHT). */
  maxBytesPerHeight?: number;
  /** Called once per height, at the first proposal or vote the bound keeps out. */
  onFull?: (info: { height: bigint | null; bytes: number; maxBytes: number }) => void;
  /** Told how many seconds each written append took (the write; its fsync is grouped into sync()): for metrics. */
  onAppend?: (seconds: number) => void;
}

/** 32 MiB: eight full 4 MiB proposals, or some 150 000 votes; an honest height needs a fraction of it. */
export const DEFAULT_WAL_MAX_BYTES_PER_HEIGHT = 32 * 1024 * 1024;

/** Written is what went to disk; 'duplicate' and 'full' were kept out. */
export type WalAppend = 'written' | 'duplicate' | 'full';

export class ConsensusWal {
  private fd: number | null = null;
  private height: bigint | null = null;
  private bytes = 0;
  private readonly seen = new Set<string>();
  private fullReported = false;
  private readonly maxBytes: number;
  /** Written since the last fsync: the file's records, and the directory entry of a new height's log. */
  private dirtyFile = false;
  private dirtyDir = false;

  constructor(private readonly path: string, private readonly opts: WalOptions = {}) {
    this.maxBytes = opts.maxBytesPerHeight ?? DEFAULT_WAL_MAX_BYTES_PER_HEIGHT;
  }

  /** Bytes in the current height's log. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Records of the log, in order; stops at the first torn or undecodable record, and cuts the file
   * there, so that records appended after a restart are not hidden behind a torn one.
   */
  read(): WalRecord[] {
    this.close();
    const out = this.readRecords();
    this.resetHeight(out[0]?.kind === 'height' ? out[0].height : null);
    for (const r of out) {
      const f = frame(r);
      this.bytes += f.length;
      if (r.kind === 'proposal' || r.kind === 'vote') this.seen.add(digest(f));
    }
    if (existsSync(this.path) && statSync(this.path).size > this.bytes) truncateSync(this.path, this.bytes);
    return out;
  }

  private readRecords(): WalRecord[] {
    if (!existsSync(this.path)) return [];
    const buf = readFileSync(this.path);
    const out: WalRecord[] = [];
    let o = 0;
    while (o + 4 <= buf.length) {
      const len = buf.readUInt32BE(o);
      if (o + 4 + len > buf.length) break;
      try {
        const a = decodeCanonical(new Uint8Array(buf.subarray(o + 4, o + 4 + len)), 'wal record') as unknown[];
        switch (a[0]) {
          case TAG.height: out.push({ kind: 'height', height: a[1] as bigint }); break;
          case TAG.proposal: out.push({ kind: 'proposal', bytes: a[1] as Uint8Array }); break;
          case TAG.vote: out.push({ kind: 'vote', bytes: a[1] as Uint8Array }); break;
          case TAG.timeout: out.push({ kind: 'timeout', height: a[1] as bigint, round: a[2] as number, step: a[3] as string }); break;
          default: return out;
        }
      } catch {
        return out;
      }
      o += 4 + len;
    }
    return out;
  }

  /** Starts a new height: the log becomes exactly one 'height' record. */
  startHeight(height: bigint): void {
    this.close(false); // the previous height's log is replaced: nothing in it needs to be durable
    const f = frame({ kind: 'height', height });
    // Replaced by rename, made durable by the next sync(): a crash before it leaves the previous
    // height's log, or a torn new one, and neither resumes this height (start() checks the height).
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, f, { mode: 0o600 });
    renameSync(tmp, this.path);
    this.resetHeight(height);
    this.bytes = f.length;
    this.fd = openSync(this.path, 'a');
    this.dirtyFile = this.dirtyDir = true;
  }

  /** Makes every record written so far durable (fsync of the log, and of its directory after a new height). */
  sync(): void {
    if (this.dirtyFile && this.fd !== null) fsyncSync(this.fd);
    this.dirtyFile = false;
    if (this.dirtyDir) {
      const dfd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      this.dirtyDir = false;
    }
  }

  /** Whether records were written that no sync() has made durable yet. */
  get unsynced(): boolean {
    return this.dirtyFile || this.dirtyDir;
  }

  /** Writes one record (durable at the next sync()), unless it is a peer message already in this height's log or over the bound. */
  append(r: WalRecord): WalAppend {
    const t0 = performance.now();
    const f = frame(r);
    if (r.kind === 'proposal' || r.kind === 'vote') {
      const d = digest(f);
      if (this.seen.has(d)) return 'duplicate';
      if (this.bytes + f.length > this.maxBytes) {
        if (!this.fullReported) {
          this.fullReported = true;
          this.opts.onFull?.({ height: this.height, bytes: this.bytes, maxBytes: this.maxBytes });
        }
        return 'full';
      }
      this.seen.add(d);
    }
    if (this.fd === null) this.fd = openSync(this.path, 'a');
    writeSync(this.fd, f);
    this.dirtyFile = true;
    this.opts.onAppend?.((performance.now() - t0) / 1000);
    this.bytes += f.length;
    return 'written';
  }

  private resetHeight(height: bigint | null): void {
    this.height = height;
    this.bytes = 0;
    this.seen.clear();
    this.fullReported = false;
  }

  /** Closes the log, first making it durable unless `sync` is false. */
  close(sync = true): void {
    if (this.fd !== null) {
      if (sync) this.sync();
      closeSync(this.fd);
    }
    this.fd = null;
  }
}

const digest = (f: Uint8Array): string => bytesToHex(sha256(f));
