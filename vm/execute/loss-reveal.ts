// The loss half of a JobReveal (docs/jobs.md §1.1): for a job whose TraceCommit carried a loss root,
// each sampled segment's range item carries that segment's loss leaf, proven under the loss root; the
// other items ([0, 0], [T, T]) carry none. A job without a loss root takes no loss leaves at all.
// The same leaf answers a segment dispute (docs/disputes.md §3.2): the solver's DisputeRespond carries
// it so the challenger's step claims can be compared with the solver's.
import { VmError } from '../errors.ts';
import { lossLeafLength, segmentCount, verifyLossLeaf } from '../../ml-runtime/commitment/index.ts';
import type { DisputeRespondPayload, Job, JobRevealPayload } from '../types/index.ts';

type RevealItem = JobRevealPayload['items'][number];

/** The loss leaf to store with a checked reveal item (undefined when the item carries none). */
export function checkRevealLoss(job: Job, T: number, k: number, item: RevealItem, at: string): Uint8Array | undefined {
  const root = job.commitment!.lossRoot ?? null;
  const losses = item.losses ?? new Uint8Array(0);
  const segment = item.from % k === 0 && item.from < T ? item.from / k : -1;
  const sampled = segment >= 0 && job.segments.includes(segment);
  if (!root || !sampled) {
    if (losses.length > 0 || (item.lossSiblings?.length ?? 0) > 0) {
      throw new VmError('JOB_REVEAL_INVALID', `${at}: carries a loss leaf, but ${root ? 'it is not a sampled segment' : 'the job committed no loss root'}`);
    }
    return undefined;
  }
  const want = lossLeafLength(T, k, segment);
  if (losses.length !== want) throw new VmError('JOB_REVEAL_INVALID', `${at}: segment ${segment}'s loss leaf must be ${want} bytes, got ${losses.length}`);
  const proof = { index: segment, count: segmentCount(T, k), siblings: item.lossSiblings ?? [] };
  if (!verifyLossLeaf(losses, proof, root)) throw new VmError('JOB_PROOF_INVALID', `${at}: segment ${segment}'s loss leaf is not proven under lossRoot`);
  return losses;
}

/**
 * The loss leaf a solver's answer to a segment dispute must carry for a job with a loss root (proven
 * under it at index = segment); undefined for a job without one, which takes none.
 */
export function checkRespondLoss(job: Job, T: number, k: number, segment: number, p: DisputeRespondPayload, at: string): Uint8Array | undefined {
  const root = job.commitment!.lossRoot ?? null;
  const losses = p.losses ?? new Uint8Array(0);
  if (!root) {
    if (losses.length > 0 || (p.lossSiblings?.length ?? 0) > 0) throw new VmError('DISPUTE_INVALID', `${at}: carries a loss leaf, but the job committed no loss root`);
    return undefined;
  }
  const want = lossLeafLength(T, k, segment);
  if (losses.length !== want) throw new VmError('DISPUTE_INVALID', `${at}: segment ${segment}'s loss leaf must be ${want} bytes, got ${losses.length}`);
  const proof = { index: segment, count: segmentCount(T, k), siblings: p.lossSiblings ?? [] };
  if (!verifyLossLeaf(losses, proof, root)) throw new VmError('JOB_PROOF_INVALID', `${at}: segment ${segment}'s loss leaf is not proven under lossRoot`);
  return losses;
}
