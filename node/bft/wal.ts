import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { decodeCanonical, encode, type Encodable } from '../../vm/index.ts';
import { writeFileDurableSync } from './durable-file.ts';

/**
 * Consensus write-ahead log: every input of the current height, fsynced before the state machine
 * sees it, so a restarted validator replays to the same round, step and lock. Records are
 * length-prefixed canonical msgpack; a torn last record (crash mid-write) is dropped on read.
 * The log restarts (atomically) at every new height.
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

export class ConsensusWal {
  private fd: number | null = null;

  /** `onAppend` is told how many seconds each append (write and fsync) took: for metrics. */
  constructor(private readonly path: string, private readonly onAppend?: (seconds: number) => void) {}

  /** Records of the log, in order; stops at the first torn or undecodable record. */
  read(): WalRecord[] {
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
    this.close();
    writeFileDurableSync(this.path, frame({ kind: 'height', height }));
    this.fd = openSync(this.path, 'a');
  }

  append(r: WalRecord): void {
    const t0 = performance.now();
    if (this.fd === null) this.fd = openSync(this.path, 'a');
    writeSync(this.fd, frame(r));
    fsyncSync(this.fd);
    this.onAppend?.((performance.now() - t0) / 1000);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
