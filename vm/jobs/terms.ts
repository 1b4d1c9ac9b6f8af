// Stateless validity of JobTerms (docs/jobs.md §1, JobSubmit). The vm imports the spec module
// directly, not ml-runtime/index.ts, so that validating a block never loads tfjs.
import { canonicalSpecJson, parseSpec, refereeCost, specShapes, type ModelSpec } from '../../ml-runtime/commitment/index.ts';
import { VmError } from '../errors.ts';
import { JOB_FLOORS, JOB_LIMITS, JOB_RUNTIMES, JOB_WINDOW_NAMES, type DisputeTerms, type Job, type JobTerms } from '../types/index.ts';
import { errorMessage } from '../../primitives/index.ts';
import { checkTermFloors } from './floors.ts';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

function invalid(msg: string): never {
  throw new VmError('JOB_INVALID', msg);
}

/** The model spec of valid terms. Throws JOB_INVALID when the bytes are not a canonical, valid spec. */
export function jobSpec(terms: Pick<JobTerms, 'spec'>): ModelSpec {
  let text: string;
  try {
    text = utf8Strict.decode(terms.spec);
  } catch {
    invalid('terms.spec: not valid UTF-8');
  }
  let spec: ModelSpec;
  let canonical: string;
  try {
    spec = parseSpec(text);
    canonical = canonicalSpecJson(spec);
  } catch (e) {
    invalid(`terms.spec: ${errorMessage(e)}`);
  }
  const want = utf8.encode(canonical);
  if (want.length !== terms.spec.length || !want.every((b, i) => b === terms.spec[i])) {
    invalid('terms.spec: not the canonical JSON of the spec (sorted keys, no whitespace, defaults filled in)');
  }
  return spec;
}

/** T (steps) and k (checkpoint interval) of terms that JobSubmit accepted (so no canonical check again). */
export function jobSteps(terms: Pick<JobTerms, 'spec'>): { T: number; k: number } {
  const s = parseSpec(utf8Strict.decode(terms.spec));
  return { T: s.steps, k: s.checkpointInterval };
}

/**
 * Dispute terms for a spec: the referee limits set to exactly what the spec needs, and the given
 * windows and amounts (defaults: a 20-block window, 10 blocks per move, bond 100, demand fee 1).
 */
export function disputeTermsFor(spec: ModelSpec | Uint8Array, o: Partial<DisputeTerms> = {}): DisputeTerms {
  const s = spec instanceof Uint8Array ? parseSpec(utf8Strict.decode(spec)) : spec;
  const cost = refereeCost(s);
  return { window: 20, move: 10, bond: 100n, demandFee: 1n, maxStateBytes: cost.stateBytes, maxStepCost: cost.stepCost, ...o };
}

/** The steps the solver's trace covers: T, or t for a run that diverged after h_t (JobDiverge). */
export function traceSteps(job: Pick<Job, 'terms' | 'divergedAt'>): { T: number; k: number } {
  const { T, k } = jobSteps(job.terms);
  return { T: job.divergedAt > 0 ? job.divergedAt : T, k };
}

/** Every JobSubmit bound that needs no state. */
export function checkJobTerms(t: JobTerms): void {
  if (!JOB_RUNTIMES.includes(t.runtime)) invalid(`terms.runtime: unsupported runtime "${t.runtime}" (supported: ${JOB_RUNTIMES.join(', ')})`);
  const spec = jobSpec(t);
  const T = spec.steps;
  const k = spec.checkpointInterval;
  if (T < 1 || T > JOB_LIMITS.maxSteps) invalid(`terms.spec.steps: ${T} is outside 1..${JOB_LIMITS.maxSteps}`);
  if (k < JOB_LIMITS.minInterval || k > JOB_LIMITS.maxInterval) invalid(`terms.spec.checkpointInterval: ${k} is outside ${JOB_LIMITS.minInterval}..${JOB_LIMITS.maxInterval}`);
  // a last segment of one step would hold only h_T, which TraceCommit publishes: nothing to replay for
  if (T % k === 1) invalid(`terms.spec: steps ${T} mod checkpointInterval ${k} is 1 (the last segment would have no secret step hash)`);
  const range = (name: string, v: number, min: number, max: number) => {
    if (v < min || v > max) invalid(`terms.${name}: ${v} is outside ${min}..${max}`);
  };
  range('datasetSize', t.datasetSize, 1, JOB_LIMITS.maxDatasetSize);
  range('q', t.q, 1, JOB_LIMITS.maxQ);
  range('committeeSize', t.committeeSize, 1, JOB_LIMITS.maxCommitteeSize);
  // protocol floors (docs/jobs.md §3): below them a minority stake or a lucky cheat decides too often
  if (t.q < JOB_FLOORS.minQ) throw new VmError('JOB_Q_TOO_LOW', `terms.q: ${t.q} is below the protocol minimum ${JOB_FLOORS.minQ}`);
  if (t.committeeSize < JOB_FLOORS.minCommitteeSize) {
    throw new VmError('JOB_COMMITTEE_TOO_SMALL', `terms.committeeSize: ${t.committeeSize} seats is below the protocol minimum ${JOB_FLOORS.minCommitteeSize}`);
  }
  for (const name of JOB_WINDOW_NAMES) range(`windows.${name}`, t.windows[name], 1, JOB_LIMITS.maxWindow);
  range('windows.challengeDelay', t.windows.challengeDelay, JOB_LIMITS.minChallengeDelay, JOB_LIMITS.maxWindow);
  if (t.bounty === 0n) invalid('terms.bounty: must be positive');
  const d = t.dispute;
  range('dispute.window', d.window, 1, JOB_LIMITS.maxWindow);
  range('dispute.move', d.move, 1, JOB_LIMITS.maxWindow);
  if (d.bond === 0n) invalid('terms.dispute.bond: must be positive (a free dispute could stall any job)');
  if (d.demandFee === 0n) invalid('terms.dispute.demandFee: must be positive (a free demand could flood the solver)');
  // the referee must be able to run any step of this spec within the limits the job names
  const cost = refereeCost(spec);
  range('dispute.maxStateBytes', d.maxStateBytes, cost.stateBytes, JOB_LIMITS.maxStateBytes);
  range('dispute.maxStepCost', d.maxStepCost, cost.stepCost, JOB_LIMITS.maxStepCost);
  // the economic and timing floors (issue 11 item 4), after every bound they are computed from
  checkTermFloors(t, spec);
}

/** True when two specs train the same parameter tensors (a child job can start from the parent's weights). */
export function sameParamShapes(a: ModelSpec, b: ModelSpec): boolean {
  const pa = specShapes(a).params;
  const pb = specShapes(b).params;
  return pa.length === pb.length && pa.every((p, i) => p.shape.length === pb[i]!.shape.length && p.shape.every((d, j) => d === pb[i]!.shape[j]));
}
