// Layout and shared pieces of a solver's on-disk job record (artifacts.ts reads it, artifact-writer.ts
// writes it):
//
//   <dir>/<jobId hex>/meta.json    spec, dataset root, seed, T, k, checkpoint leaves, roots, complete
//                                  flag, and for a `polchain train` run its dataset name and backend
//   <dir>/<jobId hex>/steps.bin    h_0 .. h_T, 32 bytes each, appended step by step
//   <dir>/<jobId hex>/cp-<i>.bin   canonical state encoding of checkpoint i (step min(i·k, T))
//   <dir>/<jobId hex>/losses.bin   loss_0 .. loss_{T-1}, float32 big-endian (loss-file.ts), when committed
//
// A run that became non-finite at step t+1 is recorded as the prefix h_0..h_t with T = t (the
// schedule of a t-step run: checkpoints at min(i·k, t)) and meta.divergedAt = t: exactly what
// JobDiverge commits, and what later disputes and demands against that prefix are answered from.
//
// The solver keeps one such folder per job under its data dir; `polchain train --out DIR` writes
// the same three kinds of files straight into DIR.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { JobsError } from './errors.ts';
import { bytesToHex } from '../../primitives/index.ts';

export const META_FORMAT = 'polchain/solver-artifacts/v1';
export const META = 'meta.json';
export const STEPS = 'steps.bin';

export function checkpointFile(jobFolder: string, index: number): string {
  return join(jobFolder, `cp-${index}.bin`);
}

export interface CheckpointRecord {
  index: number;
  step: number;
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
  /** length of the state encoding */
  byteLength: number;
}

export interface ArtifactsInit {
  jobId: Uint8Array;
  /** the job's spec bytes as text (canonical JSON on chain) */
  specJson: string;
  datasetRoot: Uint8Array;
  seed: Uint8Array;
  /** replace an existing folder for this job (a restarted training run) */
  overwrite?: boolean;
}

export interface TraceCommitment {
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalChunkRoot: Uint8Array;
  finalStepHash: Uint8Array;
  /** present when the record holds a committed loss curve (docs/jobs.md §1.1) */
  lossRoot?: Uint8Array;
}

/** How a local `polchain train` run was made (absent for a solver's jobs). */
export interface RunRecord {
  /** bundled dataset name (its training split has the record's datasetRoot) */
  dataset: string;
  backend: string;
  runtimeVersion: string | null;
  finalLoss: number | null;
  wallSeconds: number;
}

export interface MetaJson {
  format: string;
  jobId: string;
  spec: string;
  datasetRoot: string;
  seed: string;
  T: number;
  k: number;
  complete: boolean;
  checkpoints: Array<{ step: number; chunkRoot: string; stepHash: string; bytes: number }>;
  traceRoot?: string;
  checkpointsRoot?: string;
  run?: RunRecord;
  /** the loss root of losses.bin (loss-file.ts), when the run committed its loss curve */
  lossRoot?: string;
  /** set when the run became non-finite after h_T (then T < the spec's steps): the record is the prefix a JobDiverge commits */
  divergedAt?: number;
}

export function need32(b: Uint8Array, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new JobsError('ARTIFACTS_INVALID', `${what} must be 32 bytes, got ${(b as Uint8Array | undefined)?.length}`);
}

export function jobDir(dir: string, jobId: Uint8Array): string {
  need32(jobId, 'job id');
  return join(dir, bytesToHex(jobId));
}

export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let o = 0;
  while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
}

/** Replaces `file` atomically: a reader sees the old or the new content, never a mix. */
export function writeFileDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAllSync(fd, new TextEncoder().encode(text));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function metaOf(init: Omit<ArtifactsInit, 'overwrite'>, T: number, k: number): MetaJson {
  return {
    format: META_FORMAT, jobId: bytesToHex(init.jobId), spec: init.specJson, datasetRoot: bytesToHex(init.datasetRoot), seed: bytesToHex(init.seed),
    T, k, complete: false, checkpoints: [],
  };
}
