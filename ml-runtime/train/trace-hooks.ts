// The one loop body of a training run: the states state_0 .. state_T, each produced by the spec's
// step unless a hook says otherwise. Hooks observe the run (progress bars) or change what is trained
// (a parent's weights as state_0, the solver's test cheats), while the commitment (hashes,
// checkpoints) is always computed by the loop over whatever states come out.
import { MlError } from '../commitment/errors.ts';
import type { TrainState } from '../commitment/state.ts';
import { initialState, trainStep, type Trainer } from './step.ts';

/** state_{t+1} and the batch loss of the step that produced it (null: no training happened). */
export interface StepOutcome {
  state: TrainState;
  loss: number | null;
}

export interface TraceHook {
  /** Replaces state_0 (a parent's weights, another seed's initialisation). */
  initial?(s0: TrainState): TrainState;
  /**
   * Produces state_{t+1} from state_t. `next` runs the later hooks' steps and finally the spec's
   * step; a hook that does not call it replaces the update. The state returned must own its arrays
   * or share them only with state_t.
   */
  step?(t: number, s: TrainState, next: (s: TrainState) => StepOutcome): StepOutcome;
  /** Observes state_{t+1} after step t; in the async loop the state is valid only during the call. */
  onStep?(t: number, loss: number | null, s: TrainState): void;
}

/** The honest transition with the spec's step function. */
export function honestStep(tr: Trainer): (s: TrainState) => StepOutcome {
  return (s) => {
    const r = trainStep(tr, s);
    return { state: r.state, loss: r.loss };
  };
}

function stepThrough(hooks: readonly TraceHook[], tr: Trainer): (t: number, s: TrainState) => StepOutcome {
  const honest = honestStep(tr);
  const steppers = hooks.filter((h) => h.step);
  return (t, s) => {
    const at = (i: number) => (st: TrainState): StepOutcome => (i < steppers.length ? steppers[i]!.step!(t, st, at(i + 1)) : honest(st));
    return at(0)(s);
  };
}

/**
 * Yields state_0, then state_{t+1} with its loss for t = 0 .. T-1: the single loop body behind the
 * synchronous and the asynchronous runTrace.
 */
export function* trainStates(tr: Trainer, hooks: readonly TraceHook[] = []): Generator<StepOutcome, void, void> {
  const T = tr.spec.steps;
  let s = initialState(tr);
  for (const h of hooks) if (h.initial) s = h.initial(s);
  if (s.step !== 0) throw new MlError('TRACE_INVALID', `a hook's state_0 carries step ${s.step}`);
  yield { state: s, loss: null };
  const step = stepThrough(hooks, tr);
  for (let t = 0; t < T; t++) {
    const out = step(t, s);
    if (out.state.step !== t + 1) throw new MlError('TRACE_INVALID', `step ${t} produced a state at step ${out.state.step}`);
    s = out.state;
    for (const h of hooks) h.onStep?.(t, out.loss, s);
    yield out;
  }
}

/** state_t carried over to step `step` as if its update had happened (a copy: buffers stay owned). */
export function carryState(s: TrainState, step: number): TrainState {
  return { step, params: s.params.map((a) => a.slice()), slots: s.slots.map((a) => a.slice()) };
}
