// Test-only misbehaviour of a solver, for end-to-end tests of the challenge protocol (docs/jobs.md §3-§5).
// None of these is ever enabled unless a caller asks for it explicitly.
import { SolverError } from './errors.ts';

export type CheatMode =
  /** In every segment j with j mod round(1/fraction) == 0, the first step's optimiser update is skipped. */
  | { kind: 'skip-steps'; fraction: number }
  /** Trains with learningRate * factor instead of the spec's learning rate. */
  | { kind: 'wrong-lr'; factor: number }
  /** Trains and commits honestly, but never sends JobOpen (the job ends `slashed`, outcome `no-open`). */
  | { kind: 'withhold' }
  /**
   * Skips the update of one step in the middle of one segment (default: the last-but-one segment,
   * fakedSegment in cheat-hooks.ts) and commits to the result, hoping the sample misses it. The
   * sample is drawn after the commit, so the solver can only guess; with q small and many segments
   * it usually escapes the committee, and only a dispute (polchain watch) catches it.
   */
  | { kind: 'fake-unsampled'; segment: number | null }
  /**
   * Trains honestly (every step hash is right) but commits each step's loss times `factor` under its
   * loss root: a curve that looks better than the run. Caught where a replay recomputes the loss
   * (docs/jobs.md §1.1). With `segment`, only that segment's losses are altered: a lie the sample may
   * miss, which only a segment dispute (polchain watch) catches.
   */
  | { kind: 'lie-loss'; factor: number; segment?: number };

export const CHEAT_SYNTAX = 'skip-steps:F (0 < F <= 1) | wrong-lr[:FACTOR] | withhold | fake-unsampled[:SEGMENT] | lie-loss[:FACTOR[:SEGMENT]]';

/** Parses `skip-steps:0.5`, `wrong-lr`, `wrong-lr:2`, `withhold`. */
export function parseCheat(text: string): CheatMode {
  const [name, arg, ...rest] = text.split(':');
  const bad = (why: string): never => { throw new SolverError('SOLVER_BAD_OPTIONS', `cheat ${JSON.stringify(text)}: ${why} (expected ${CHEAT_SYNTAX})`); };
  if (rest.length > (name === 'lie-loss' ? 1 : 0)) bad('too many ":"');
  switch (name) {
    case 'skip-steps': {
      if (arg === undefined || arg.trim() === '') return bad('needs a fraction');
      const f = Number(arg);
      if (!Number.isFinite(f) || !(f > 0 && f <= 1)) bad('fraction must be a number in (0, 1]');
      return { kind: 'skip-steps', fraction: f };
    }
    case 'wrong-lr': {
      if (arg === undefined) return { kind: 'wrong-lr', factor: 0.5 };
      const f = Number(arg);
      if (arg === '' || !Number.isFinite(f) || f <= 0 || f === 1) bad('factor must be a positive number other than 1');
      return { kind: 'wrong-lr', factor: f };
    }
    case 'withhold':
      if (arg !== undefined) bad('withhold takes no argument');
      return { kind: 'withhold' };
    case 'fake-unsampled': {
      if (arg === undefined) return { kind: 'fake-unsampled', segment: null };
      if (!/^(0|[1-9][0-9]{0,4})$/.test(arg)) bad('segment must be a non-negative integer');
      return { kind: 'fake-unsampled', segment: Number(arg) };
    }
    case 'lie-loss': {
      if (arg === undefined) return { kind: 'lie-loss', factor: 0.5 };
      const f = Number(arg);
      if (arg === '' || !Number.isFinite(f) || f <= 0 || f === 1) bad('factor must be a positive number other than 1');
      const seg = rest[0];
      if (seg === undefined) return { kind: 'lie-loss', factor: f };
      if (!/^(0|[1-9][0-9]{0,4})$/.test(seg)) bad('segment must be a non-negative integer');
      return { kind: 'lie-loss', factor: f, segment: Number(seg) };
    }
    default:
      return bad(`unknown cheat ${JSON.stringify(name)}`);
  }
}

/** The period of the skip rule: segments j with j % period == 0 are faked. */
export function skipPeriod(fraction: number): number {
  return Math.max(1, Math.round(1 / fraction));
}

/** The segments (of n) that a skip-steps solver fakes: every one whose index mod round(1/fraction) is 0. */
export function skippedSegments(n: number, fraction: number): number[] {
  const p = skipPeriod(fraction);
  const out: number[] = [];
  for (let j = 0; j < n; j += p) out.push(j);
  return out;
}

export function describeCheat(c: CheatMode | undefined): string {
  if (!c) return 'none';
  if (c.kind === 'skip-steps') return `skip-steps:${c.fraction}`;
  if (c.kind === 'wrong-lr') return `wrong-lr:${c.factor}`;
  if (c.kind === 'lie-loss') return `lie-loss:${c.factor}${c.segment !== undefined ? `:${c.segment}` : ''}`;
  if (c.kind === 'fake-unsampled') return c.segment === null ? c.kind : `${c.kind}:${c.segment}`;
  return c.kind;
}
