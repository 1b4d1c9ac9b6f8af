// What a committee member keeps of each real attestation until the job has ended (docs/disputes.md
// §3): the digest's preimage (h0 and, per sampled segment, the hashes it replayed), which answers a
// dispute against the attestation, and the segment start states it replayed from, from which it
// derives state_t again for the referee. The solver it attested against may be the one disputing it,
// so none of this can be fetched again from the solver when needed.
//
//   <workDir>/attestations/<job id hex>/preimage.json   job id, digest, segments, h0, segment hashes (hex)
//   <workDir>/attestations/<job id hex>/start-<j>.bin   the opened checkpoint j it replayed segment j from
//
// Each file is written to a temporary name, fsynced and renamed, so a node that stops at any point
// finds the old record, the new one, or none: never a torn one.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, equalBytes, hexToBytes } from '../../primitives/index.ts';

export interface AttestationRecord {
  jobId: Uint8Array;
  digest: Uint8Array;
  /** the segments the digest covers, ascending (this member's memberSegments) */
  segments: number[];
  h0: Uint8Array;
  /** per sampled segment: h_{j·k+1} .. h_{end_j} */
  segmentHashes: Uint8Array[][];
}

const FORMAT = 'polchain/attestation-record/v1';

const dirOf = (workDir: string, jobId: Uint8Array) => join(workDir, 'attestations', bytesToHex(jobId));

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
  const dir = dirOf(workDir, r.jobId);
  mkdirSync(dir, { recursive: true });
  for (const [j, bytes] of starts) writeDurably(join(dir, `start-${j}.bin`), bytes);
  const json = {
    format: FORMAT, jobId: bytesToHex(r.jobId), digest: bytesToHex(r.digest), segments: r.segments,
    h0: bytesToHex(r.h0), segmentHashes: r.segmentHashes.map((s) => s.map(bytesToHex)),
  };
  // the preimage last: a record that exists has its start states
  writeDurably(join(dir, 'preimage.json'), new TextEncoder().encode(JSON.stringify(json)));
  fsyncDir(dir);
}

/** The record of job `jobId`, or null when there is none or it does not parse (a damaged record cannot answer a dispute). */
export async function loadAttestationRecord(workDir: string, jobId: Uint8Array): Promise<AttestationRecord | null> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(join(dirOf(workDir, jobId), 'preimage.json'), 'utf8'));
  } catch {
    return null;
  }
  const o = v as Record<string, unknown>;
  const hex32 = (h: unknown) => (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h) ? hexToBytes(h) : null);
  if (o.format !== FORMAT || !Array.isArray(o.segments) || !Array.isArray(o.segmentHashes) || o.segments.length !== o.segmentHashes.length) return null;
  const id = hex32(o.jobId);
  const digest = hex32(o.digest);
  const h0 = hex32(o.h0);
  if (!id || !digest || !h0 || !equalBytes(id, jobId)) return null;
  const segments = o.segments as unknown[];
  if (!segments.every((j) => Number.isSafeInteger(j) && (j as number) >= 0)) return null;
  const segmentHashes: Uint8Array[][] = [];
  for (const s of o.segmentHashes as unknown[]) {
    if (!Array.isArray(s)) return null;
    const hs = s.map(hex32);
    if (hs.some((h) => h === null)) return null;
    segmentHashes.push(hs as Uint8Array[]);
  }
  return { jobId: id, digest, segments: segments as number[], h0, segmentHashes };
}

/** The start state of segment j kept with the record, or null. */
export async function loadSegmentStart(workDir: string, jobId: Uint8Array, j: number): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(join(dirOf(workDir, jobId), `start-${j}.bin`)));
  } catch {
    return null;
  }
}

/** Job ids (hex) with a record on disk. */
export async function listAttestationRecords(workDir: string): Promise<string[]> {
  try {
    return (await readdir(join(workDir, 'attestations'))).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

export async function removeAttestationRecord(workDir: string, jobIdHex: string): Promise<void> {
  await rm(join(workDir, 'attestations', jobIdHex), { recursive: true, force: true });
}
