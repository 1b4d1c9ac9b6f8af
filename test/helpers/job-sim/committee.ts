// A committee member that really replays (docs/jobs.md §4): the sampled segments by
// commitment/schedule.ts, checkpoints fetched chunk by chunk and checked against the opening,
// and vm/jobs' attestation digest.
import { attestationDigest, memberSegments, UNAVAILABLE_DIGEST, type Job } from '../../../vm/index.ts';
import {
  chunkCountOf, createTrainer, decodeState, encodedStateLength, initialState, replaySegment, segmentBounds, stepHash, verifyChunk,
  type TrainState,
} from '../../../ml-runtime/index.ts';
import { equalBytes } from '../../../primitives/index.ts';
import { specOfJob, type SimData, type Solver } from './solver-runs.ts';

/**
 * What an honest committee member does (docs/jobs.md §4): derive state_0 from the seed, replay every
 * sampled segment (segment 0 from state_0, the others from the opened checkpoint fetched chunk by
 * chunk from the solver and checked against the opening), and return the attestation digest, or
 * UNAVAILABLE_DIGEST when the data cannot be obtained or does not match the opening.
 */
export function replayAttestation(sim: SimData, job: Job, member: Uint8Array, da: Pick<Solver, 'serveChunk'>): { digest: Uint8Array; steps: number; unavailable: boolean } {
  if (!job.seed) throw new Error('job has no seed');
  if (job.terms.parent) throw new Error('job-sim does not model parent jobs');
  const spec = specOfJob(job);
  const ds = sim.dataset(job.terms.datasetRoot);
  const tr = createTrainer(spec, ds, job.seed);
  const s0 = initialState(tr);
  const h0 = stepHash(job.id, s0);
  const T = spec.steps;
  const k = spec.checkpointInterval;
  const segHashes: Uint8Array[][] = [];
  let steps = 0;
  const unavailable = { digest: UNAVAILABLE_DIGEST, steps, unavailable: true };
  for (const j of memberSegments(job, member)) {
    const { from, to } = segmentBounds(T, k, j);
    let start: TrainState;
    let startHash = h0;
    if (j === 0) start = s0;
    else {
      const opening = job.openings.find((o) => o.index === j);
      if (!opening) return unavailable;
      const bytes = fetchCheckpoint(da, job.id, j, opening.chunkRoot, encodedStateLength(s0));
      if (!bytes) return unavailable;
      try {
        start = decodeState(bytes, tr.layout);
      } catch {
        return unavailable;
      }
      if (start.step !== from) return unavailable;
      startHash = opening.stepHash;
    }
    let hs: Uint8Array[];
    try {
      hs = replaySegment(spec, ds, job.id, job.seed, start, from, to);
    } catch {
      return unavailable;
    }
    // the fetched state must be the opened one (replay hashes its start state first)
    if (!equalBytes(hs[0]!, startHash)) return unavailable;
    steps += to - from;
    segHashes.push(hs.slice(1));
  }
  return { digest: attestationDigest(job.id, member, h0, segHashes), steps, unavailable: false };
}

/** Fetches a checkpoint's encoding chunk by chunk, each proven under `chunkRoot`; null when anything is missing or wrong. */
function fetchCheckpoint(da: Pick<Solver, 'serveChunk'>, jobId: Uint8Array, index: number, chunkRoot: Uint8Array, expectedLength: number): Uint8Array | null {
  const n = chunkCountOf(expectedLength);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = da.serveChunk(jobId, index, i);
    if (!r || r.proof.index !== i || r.proof.count !== n || !verifyChunk(r.chunk, r.proof, chunkRoot)) return null;
    parts.push(r.chunk);
  }
  const len = parts.reduce((a, p) => a + p.length, 0);
  if (len !== expectedLength) return null;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
