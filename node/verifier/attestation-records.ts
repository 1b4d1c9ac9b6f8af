// What a committee member keeps of each real attestation until the job has ended (docs/disputes.md
// §3), per committee draw of the job (a redrawn job is attested again, maybe over other segments): the digest's preimage (h0 and, per sampled segment, the hashes it replayed), which answers a
// dispute against the attestation, and the segment start states it replayed from, from which it
// derives state_t again for the referee. The solver it attested against may be the one disputing it,
// so none of this can be fetched again from the solver when needed.
//
//   <workDir>/attestations/<job id hex>-<draw>/preimage.json   job id, draw, digest, segments, h0, segment hashes (hex)
//   <workDir>/attestations/<job id hex>-<draw>/start-<j>.bin   the opened checkpoint j it replayed segment j from
//
// Each file is written to a temporary name, fsynced and renamed, so a node that stops at any point
// finds the old record, the new one, or none: never a torn one.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, equalBytes, hexToBytes } from '../../primitives/index.ts';

export interface AttestationRecord {
  jobId: Uint8Array;
  /** the committee draw of the job the attestation was for (1: the first committee) */
  draws: number;
  digest: Uint8Array;
  /** the segments in the order the digest covers them (this member's segments of the job) */
  segments: number[];
  h0: Uint8Array;
  /** per sampled segment: h_{j·k+1} .. h_{end_j} */
  segmentHashes: Uint8Array[][];
}

const FORMAT = 'polchain/attestation-record/v2';

const dirOf = (workDir: string, jobId: Uint8Array, draws: number) => join(workDir, 'attestations', `${bytesToHex(jobId)}-${draws}`);
const RECORD_DIR = /^([0-9a-f]{64})-([1-9][0-9]{0,8})$/;

function writeDurably(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let o = 0;
    while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes the record and the segment start states (synchronously: it is small, and must be on disk before the attestation is sent). */
export function saveAttestationRecord(workDir: string, r: AttestationRecord, starts: ReadonlyMap<number, Uint8Array>): void {
  const dir = dirOf(workDir, r.jobId, r.draws);
  mkdirSync(dir, { recursive: true });
  for (const [j, bytes] of starts) writeDurably(join(dir, `start-${j}.bin`), bytes);
  const json = {
    format: FORMAT, jobId: bytesToHex(r.jobId), draws: r.draws, digest: bytesToHex(r.digest), segments: r.segments,
    h0: bytesToHex(r.h0), segmentHashes: r.segmentHashes.map((s) => s.map(bytesToHex)),
  };
  // the preimage last: a record that exists has its start states
  writeDurably(join(dir, 'preimage.json'), new TextEncoder().encode(JSON.stringify(json)));
  fsyncDir(dir);
}

/** The record of job `jobId` in committee draw `draws`, or null when there is none or it does not parse (a damaged record cannot answer a dispute). */
export async function loadAttestationRecord(workDir: string, jobId: Uint8Array, draws: number): Promise<AttestationRecord | null> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(join(dirOf(workDir, jobId, draws), 'preimage.json'), 'utf8'));
  } catch {
    return null;
  }
  const o = v as Record<string, unknown>;
  const hex32 = (h: unknown) => (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h) ? hexToBytes(h) : null);
  if (o.format !== FORMAT || !Array.isArray(o.segments) || !Array.isArray(o.segmentHashes) || o.segments.length !== o.segmentHashes.length) return null;
  const id = hex32(o.jobId);
  const digest = hex32(o.digest);
  const h0 = hex32(o.h0);
  if (!id || !digest || !h0 || !equalBytes(id, jobId) || o.draws !== draws) return null;
  const segments = o.segments as unknown[];
  if (!segments.every((j) => Number.isSafeInteger(j) && (j as number) >= 0)) return null;
  const segmentHashes: Uint8Array[][] = [];
  for (const s of o.segmentHashes as unknown[]) {
    if (!Array.isArray(s)) return null;
    const hs = s.map(hex32);
    if (hs.some((h) => h === null)) return null;
    segmentHashes.push(hs as Uint8Array[]);
  }
  return { jobId: id, draws, digest, segments: segments as number[], h0, segmentHashes };
}

/** The start state of segment j kept with the record of committee draw `draws`, or null. */
export async function loadSegmentStart(workDir: string, jobId: Uint8Array, j: number, draws: number): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(join(dirOf(workDir, jobId, draws), `start-${j}.bin`)));
  } catch {
    return null;
  }
}

/** The records on disk: job id (hex) and committee draw. */
export async function listAttestationRecords(workDir: string): Promise<Array<{ jobHex: string; draws: number }>> {
  let names: string[];
  try {
    names = await readdir(join(workDir, 'attestations'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = RECORD_DIR.exec(n);
    return m ? [{ jobHex: m[1]!, draws: Number(m[2]) }] : [];
  });
}

export async function removeAttestationRecord(workDir: string, jobIdHex: string, draws: number): Promise<void> {
  await rm(join(workDir, 'attestations', `${jobIdHex}-${draws}`), { recursive: true, force: true });
}
