// JobTerms as a canonical array (docs/jobs.md §1). JobSubmit carries these fields after its kind,
// and the job's state entry embeds the same array, so the two can never drift apart.
import { VmError, type VmErrorCode } from '../errors.ts';
import { JOB_LIMITS, JOB_WINDOW_NAMES, type DisputeTerms, type JobTerms, type JobWindows } from '../types/index.ts';
import { Reader, expectU32 } from './schema.ts';
import type { Encodable } from './canonical.ts';

export const JOB_TERMS_FIELDS = 12;

/**
 * [spec, runtime, datasetRoot, datasetSize, q, committeeSize, [windows], solverStake, bounty, attestReward, parent(bin 0 | 32),
 *  [disputeWindow, moveWindow, disputeBond, demandFee, maxStateBytes, maxStepCost]]
 */
export function jobTermsFields(t: JobTerms): Encodable[] {
  return [
    t.spec, t.runtime, t.datasetRoot, t.datasetSize, t.q, t.committeeSize, JOB_WINDOW_NAMES.map((w) => t.windows[w]),
    t.solverStake, t.bounty, t.attestReward, t.parent ?? new Uint8Array(0),
    [t.dispute.window, t.dispute.move, t.dispute.bond, t.dispute.demandFee, t.dispute.maxStateBytes, t.dispute.maxStepCost],
  ];
}

/** Reads the terms fields from `r` (positioned at the spec field). Shape only: term bounds are checkJobTerms's. */
export function readJobTerms(r: Reader, path: string, code: VmErrorCode): JobTerms {
  const spec = r.bin('spec', JOB_LIMITS.maxSpecBytes);
  const runtime = r.str('runtime', JOB_LIMITS.maxRuntimeLength);
  const datasetRoot = r.bytes('datasetRoot', 32);
  const datasetSize = r.u32('datasetSize');
  const q = r.u32('q');
  const committeeSize = r.u32('committeeSize');
  const w = r.array('windows');
  if (w.length !== JOB_WINDOW_NAMES.length) throw new VmError(code, `${path}.windows: expected ${JOB_WINDOW_NAMES.length} entries`);
  const windows = {} as JobWindows;
  JOB_WINDOW_NAMES.forEach((name, i) => { windows[name] = expectU32(w[i], `${path}.windows.${name}`, code); });
  const solverStake = r.u64('solverStake');
  const bounty = r.u64('bounty');
  const attestReward = r.u64('attestReward');
  const parentBytes = r.bin('parent', 32);
  if (parentBytes.length !== 0 && parentBytes.length !== 32) throw new VmError(code, `${path}.parent: expected 0 or 32 bytes`);
  const dr = Reader.of(r.raw(), `${path}.dispute`, 6, code);
  const dispute: DisputeTerms = {
    window: dr.u32('window'), move: dr.u32('move'), bond: dr.u64('bond'), demandFee: dr.u64('demandFee'),
    maxStateBytes: dr.u32('maxStateBytes'), maxStepCost: dr.u32('maxStepCost'),
  };
  return {
    spec, runtime, datasetRoot, datasetSize, q, committeeSize, windows, solverStake, bounty, attestReward,
    parent: parentBytes.length ? parentBytes : null, dispute,
  };
}
