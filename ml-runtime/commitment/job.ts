// Job identifiers and seeds for local runs (the CLI). On chain, the job id comes from the
// JobSubmit transaction and the seed from H(job id, later beacon); locally both are derived.

import { specHash, type ModelSpec } from './spec/index.ts';
import { sha256, utf8 } from '../../primitives/index.ts';

/** jobId = SHA-256("polchain/local-job/v1\0" || specHash || datasetName) */
export function localJobId(spec: ModelSpec, datasetName: string): Uint8Array {
  return sha256(utf8('polchain/local-job/v1\u0000'), specHash(spec), utf8(datasetName));
}

/** seed = SHA-256("polchain/local-seed/v1\0" || jobId) */
export function jobSeedForLocalRun(jobId: Uint8Array): Uint8Array {
  return sha256(utf8('polchain/local-seed/v1\u0000'), jobId);
}
