import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { NodeError } from '../util/index.ts';
import { bytesToHex, equalBytes, errorMessage, sha256 } from '../../primitives/index.ts';

/**
 * The last height and block hash this data dir committed, kept outside the database and fsynced
 * right after each commit, so a database that lost its newest blocks (a truncated LevelDB log, a
 * restored old copy) is caught at startup instead of silently producing or following from an older
 * head. Two fixed 48-byte slots (height 8 | hash 32 | check 8), written alternately: a write torn by
 * a crash damages one slot and the other still holds the height before.
 */
const SLOT = 48;

export interface HeadMark { height: bigint; hash: Uint8Array }

function check(body: Uint8Array): Uint8Array {
  return sha256(body).subarray(0, 8);
}

function encodeSlot(m: HeadMark): Uint8Array {
  const out = new Uint8Array(SLOT);
  new DataView(out.buffer).setBigUint64(0, m.height);
  out.set(m.hash, 8);
  out.set(check(out.subarray(0, 40)), 40);
  return out;
}

function decodeSlot(b: Uint8Array): HeadMark | null {
  if (b.length < SLOT || !equalBytes(check(b.subarray(0, 40)), b.subarray(40, 48))) return null;
  return { height: new DataView(b.buffer, b.byteOffset).getBigUint64(0), hash: b.slice(8, 40) };
}

/** The recorded head, null when the file does not exist; a file with no valid slot is STATE_FILE_DAMAGED. */
export function readHeadMarker(path: string): HeadMark | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NodeError('STATE_FILE_DAMAGED', `cannot read ${path}: ${errorMessage(e)}`);
  }
  const b = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const slots = [decodeSlot(b.subarray(0, SLOT)), decodeSlot(b.subarray(SLOT, 2 * SLOT))].filter((x): x is HeadMark => x !== null);
  if (slots.length === 0) {
    throw new NodeError('STATE_FILE_DAMAGED', `${path} (the last committed height) is damaged (${b.length} bytes, no valid record); if the database is known good (\`polchain db check\`), remove it and start again`);
  }
  return slots.reduce((a, x) => (x.height > a.height ? x : a));
}

export class HeadMarker {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  /** Durable before it returns: called after the block's batch is on disk. */
  record(m: HeadMark): void {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.path, 'r+');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.fd = openSync(this.path, 'w+', 0o644);
      }
    }
    const slot = Number(m.height % 2n);
    writeSync(this.fd, encodeSlot(m), 0, SLOT, slot * SLOT);
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export const headMarkHex = (m: HeadMark) => `${m.height} (${bytesToHex(m.hash).slice(0, 16)}...)`;
