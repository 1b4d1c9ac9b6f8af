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

/** A member's replay: its digest, the steps it replayed, and the checkpoint it could not fetch (unavailable). */
export interface MemberReplay {
  digest: Uint8Array;
  steps: number;
  /** true: no chunk-proven state for `missing`; the digest is UNAVAILABLE_DIGEST */
  unavailable: boolean;
  /** the checkpoint whose data the solver did not serve (null when available) */
  missing: number | null;
}

/** 32 zero bytes: no step hash equals it, so a claim of it disagrees with whatever the solver revealed. */
const NO_HASH = new Uint8Array(32);

/**
 * What an honest committee member does (docs/jobs.md §4): derive state_0 from the seed, replay its own
 * sampled segments (memberSegments: segment 0 from state_0, the others from the opened checkpoint
 * fetched chunk by chunk from the solver and checked against the opening) and return the attestation
 * digest. Data the solver does not serve is unavailable (the member demands it on chain, chain.ts).
 * Data that is served and proven under the opened chunk root but is not a valid state for the
 * opening (it does not decode, carries another step, or does not hash to the opened step hash) is
 * available and proves the solver wrong: the member claims NO_HASH for each step of that segment, a
 * real digest that any dispute decides for the member (the referee rules such a state `invalid`, or
 * nobody can supply a state_from hashing to the opening: `no-state`, docs/disputes.md §3-§4). Under
 * v5 an UNAVAILABLE there would be silence (liveness penalty, redraws, `no-quorum` with the bond
 * refunded): garbage must be caught, not excused.
 */
export function replayAttestation(sim: SimData, job: Job, member: Uint8Array, da: Pick<Solver, 'serveChunk'>): MemberReplay {
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
  const unavailable = (missing: number): MemberReplay => ({ digest: UNAVAILABLE_DIGEST, steps, unavailable: true, missing });
  for (const j of memberSegments(job, member)) {
    const { from, to } = segmentBounds(T, k, j);
    const invalid = () => segHashes.push(Array.from({ length: to - from }, () => NO_HASH));
    let start: TrainState;
    let startHash = h0;
    if (j === 0) start = s0;
    else {
      const opening = job.openings.find((o) => o.index === j);
      if (!opening) return unavailable(j);
      const bytes = fetchCheckpoint(da, job.id, j, opening.chunkRoot, encodedStateLength(s0));
      if (bytes === 'missing') return unavailable(j);
      if (bytes === 'invalid') { invalid(); continue; }
      try {
        start = decodeState(bytes, tr.layout);
      } catch {
        invalid();
        continue;
      }
      if (start.step !== from) { invalid(); continue; }
      startHash = opening.stepHash;
    }
    let hs: Uint8Array[];
    try {
      hs = replaySegment(spec, ds, job.id, job.seed, start, from, to);
    } catch {
      invalid();
      continue;
    }
    steps += to - from;
    // the fetched state must be the opened one (replay hashes its start state first)
    if (!equalBytes(hs[0]!, startHash)) { invalid(); continue; }
    segHashes.push(hs.slice(1));
  }
  return { digest: attestationDigest(job.id, member, h0, segHashes), steps, unavailable: false, missing: null };
}

/**
 * Fetches a checkpoint's encoding chunk by chunk, each proven under `chunkRoot`: 'missing' when the
 * solver serves nothing or a chunk fails its proof (worth a demand), 'invalid' when the proven data
 * cannot be a state of this spec (another chunk count or length: a demand would return the same).
 */
function fetchCheckpoint(da: Pick<Solver, 'serveChunk'>, jobId: Uint8Array, index: number, chunkRoot: Uint8Array, expectedLength: number): Uint8Array | 'missing' | 'invalid' {
  const n = chunkCountOf(expectedLength);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = da.serveChunk(jobId, index, i);
    if (!r || r.proof.index !== i || !verifyChunk(r.chunk, r.proof, chunkRoot)) return 'missing';
    if (r.proof.count !== n) return 'invalid';
    parts.push(r.chunk);
  }
  const len = parts.reduce((a, p) => a + p.length, 0);
  if (len !== expectedLength) return 'invalid';
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
