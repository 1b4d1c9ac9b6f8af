// The chain's referee (docs/disputes.md §4): the one training step every validator re-executes
// during block application when two parties disagree on h_{t+1}, on the det runtime, from the
// state and the batch's samples put on chain (never a whole dataset). Its result must be the bits
// the solver's training computes: the same step body (train/step.ts trainStepOnBatch), the same
// batch (the PRF's indices, the samples' canonical bytes decoded as the dataset decodes them).
import { MlError, NonFiniteStateError } from '../commitment/errors.ts';
import { parseSpec, specShapes, type ModelSpec, type SpecShapes } from '../commitment/spec/index.ts';
import { batchIndices } from '../commitment/prf/index.ts';
import { decodeState, stepHash, type StateLayout, type TrainState } from '../commitment/state.ts';
import type { RefereeInitialInput, RefereeResult, RefereeStepInput, StepReferee } from '../commitment/referee.ts';
import { activateDetSync, selectBackend } from '../backend-select.ts';
import { initialState, initialStateFromParent, layoutOfSpec, trainStepOnBatch, type StepContext } from '../train/step.ts';
import { batchFromSamples } from './batch.ts';

/** A parsed spec with what every step under it needs; kept for the last few spec byte strings. */
interface ParsedSpec {
  spec: ModelSpec;
  shapes: SpecShapes;
  layout: StateLayout;
}

const SPEC_CACHE_SIZE = 4;
/** datasetSize is a u32 of the job terms (the vm bounds it further, JOB_LIMITS.maxDatasetSize). */
const MAX_DATASET_SIZE = 0xffffffff;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Errors that say this machine could not run the step (memory, stack), not that the inputs are bad:
 * turning one into a verdict would let validators' resources decide a dispute, so they are thrown.
 */
function isLocalResourceError(e: unknown): boolean {
  return e instanceof RangeError && /allocation failed|call stack size exceeded|out of memory/i.test(e.message);
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class DetReferee implements StepReferee {
  readonly runtimes: readonly string[];
  private readonly specs = new Map<string, ParsedSpec>();

  constructor(runtime: string) {
    this.runtimes = Object.freeze([runtime]);
  }

  step(input: RefereeStepInput): RefereeResult {
    // before anything else, and thrown: a referee on another backend would fork the chain
    activateDetSync();
    let ctx: StepContext;
    let x: Float32Array;
    let y: Float32Array;
    let state: TrainState;
    try {
      const { spec, shapes, layout } = this.parsed(input.spec);
      ctx = { spec, shapes, layout, seed: checkSeed(input.seed) };
      checkJobId(input.jobId);
      const { t, datasetSize } = input;
      if (!Number.isSafeInteger(t) || t < 0 || t >= spec.steps) throw new MlError('TRACE_INVALID', `step ${t} is not one of the job's steps 0..${spec.steps - 1}`);
      if (!Number.isSafeInteger(datasetSize) || datasetSize < 1 || datasetSize > MAX_DATASET_SIZE) {
        throw new MlError('DATASET_INVALID', `dataset size ${datasetSize} is not an integer in 1..${MAX_DATASET_SIZE}`);
      }
      if (!(input.state instanceof Uint8Array)) throw new MlError('STATE_DECODE', 'state_t is not a byte string');
      state = decodeState(input.state, layout);
      if (state.step !== t) throw new MlError('STATE_MISMATCH', `the state's step counter is ${state.step}, the disputed step is ${t}`);
      ({ x, y } = batchFromSamples(spec, shapes, batchIndices(ctx.seed, t, spec.batchSize, datasetSize), input.samples));
    } catch (e) {
      if (isLocalResourceError(e)) throw e;
      return { kind: 'invalid', reason: reasonOf(e) };
    }
    try {
      const r = trainStepOnBatch(ctx, state, x, y);
      return { kind: 'hash', hash: stepHash(input.jobId, r.state), loss: r.loss };
    } catch (e) {
      if (e instanceof NonFiniteStateError) return { kind: 'non-finite', reason: e.message };
      if (isLocalResourceError(e)) throw e;
      return { kind: 'invalid', reason: reasonOf(e) };
    }
  }

  initialHash(input: RefereeInitialInput): RefereeResult {
    try {
      const { spec, shapes, layout } = this.parsed(input.spec);
      const ctx: StepContext = { spec, shapes, layout, seed: checkSeed(input.seed) };
      checkJobId(input.jobId);
      const s0 = input.parentState === null ? initialState(ctx) : initialStateFromParent(ctx, checkBytes(input.parentState));
      return { kind: 'hash', hash: stepHash(input.jobId, s0), loss: Number.NaN };
    } catch (e) {
      if (isLocalResourceError(e)) throw e;
      return { kind: 'invalid', reason: reasonOf(e) };
    }
  }

  /** The spec of these bytes, parsed once while it stays among the last few used. */
  private parsed(bytes: Uint8Array): ParsedSpec {
    if (!(bytes instanceof Uint8Array)) throw new MlError('SPEC_INVALID_JSON', 'the spec is not a byte string');
    let text: string;
    try {
      text = utf8Strict.decode(bytes);
    } catch {
      throw new MlError('SPEC_INVALID_JSON', 'the spec bytes are not valid UTF-8');
    }
    let p = this.specs.get(text);
    if (p) {
      this.specs.delete(text); // most recently used last
    } else {
      const spec = parseSpec(text);
      p = { spec, shapes: specShapes(spec), layout: layoutOfSpec(spec) };
      if (this.specs.size >= SPEC_CACHE_SIZE) this.specs.delete(this.specs.keys().next().value!);
    }
    this.specs.set(text, p);
    return p;
  }
}

function checkSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new MlError('PRF_INVALID', `job seed must be 32 bytes, got ${(seed as { length?: number } | null)?.length}`);
  return seed;
}

function checkJobId(jobId: Uint8Array): void {
  if (!(jobId instanceof Uint8Array) || jobId.length !== 32) throw new MlError('TRACE_INVALID', `job id must be 32 bytes, got ${(jobId as { length?: number } | null)?.length}`);
}

function checkBytes(b: Uint8Array): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new MlError('STATE_DECODE', 'the parent state is not a byte string');
  return b;
}

/**
 * The det runtime's referee (runtimes: [DET_RUNTIME_VERSION], e.g. 'det-1'). det must be loaded
 * (`await selectBackend('det', { allowFallback: false })`, or use `loadDetReferee`); this throws
 * BACKEND_UNAVAILABLE otherwise. Every `step` makes det the active tfjs backend first (and leaves
 * it active), throwing BACKEND_UNAVAILABLE if it cannot: it never runs on another backend.
 * Inputs that cannot be trained on give `invalid`; only errors of the local machine (det missing,
 * out of memory) are thrown.
 */
export function createDetReferee(): StepReferee {
  return new DetReferee(activateDetSync());
}

/** Loads and activates det (no fallback), then creates the referee. */
export async function loadDetReferee(): Promise<StepReferee> {
  await selectBackend('det', { allowFallback: false });
  return createDetReferee();
}
