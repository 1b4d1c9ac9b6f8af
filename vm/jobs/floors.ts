// Protocol floors on job terms (docs/jobs.md §1 "JobSubmit floors", issue 11 item 4): the least bond,
// attest reward and windows with which the chain will accept a job. Pure functions of the spec and
// the terms, in integer arithmetic (consensus code): the vm checks them at JobSubmit, and the CLI and
// the solver call termFloors to say what a job needs.
//
// The chain has no seconds, so compute and data are converted to blocks at protocol reference rates
// (FLOOR_REF below). They are deliberately slower than the machines the bench measures, because a
// window that is too short costs honest parties money: a solver its bond, a committee member the
// liveness penalty.
import { refereeCost, segmentCount, specShapes, type ModelSpec } from '../../ml-runtime/commitment/index.ts';
import { VmError } from '../errors.ts';
import { JOB_LIMITS, type JobTerms } from '../types/index.ts';

export const FLOOR_REF = {
  /**
   * Multiply-adds a reference machine does per block: 1e9, i.e. 1 GMAC/s at the node's default 1 s block
   * interval. The det backend measured 3.3 GMAC/s on the MNIST MLP on a shared 2-core machine, so the
   * floors leave a slower solver or verifier about 3x headroom.
   */
  macsPerBlock: 1_000_000_000n,
  /** Bytes a party fetches over DA, or puts on chain, per block: 1 MiB (8 Mbit/s at 1 s blocks). */
  bytesPerBlock: 1n << 20n,
  /**
   * Fixed work of one step besides its multiply-adds, as multiply-add equivalents: per-step op dispatch,
   * the step hash and the checkpoint encoding. Measured 0.78 ms for a 13,824-MAC step of the regression
   * spec, ≈ 2.6e6 MAC at 3.3 GMAC/s; 2^21 rounds it down because larger steps amortise it.
   */
  stepOverheadMacs: 1n << 21n,
  /** Deriving state_0: the PRF words of each parameter. Measured 0.25-0.34 µs per parameter ≈ 1,100 MAC each. */
  initMacsPerParam: 1_200n,
  /** ρ = replayed step / training step, as a fraction: measured ≈ 1.5 (cold start, decode, chunk proofs; pol-economics §2). */
  replayNum: 3n,
  replayDen: 2n,
  /**
   * The protocol's price of verification work: one unit of reward per 2^22 multiply-add equivalents
   * (≈ 4.2e6, about 4 ms of the reference machine). Not relative to the bounty: the committee is
   * drafted, not hired (a silent seat pays the liveness penalty), so its pay must not depend on how
   * the submitter values the job; and at tiny test sizes a bounty-relative floor would be ≥ the bounty.
   * Like minFee it is a protocol constant; the bench job pays about 100x this price.
   */
  macsPerRewardUnit: 1n << 22n,
  /** No window is shorter than this: one block in which the phase is seen, one in which the answer lands. */
  minBlocks: 2,
} as const;

/** The least value of each term the chain accepts for a spec and the rest of the terms. */
export interface TermFloors {
  solverStake: bigint;
  attestReward: bigint;
  windows: { accept: number; commit: number; challengeDelay: number; open: number; attest: number; reveal: number };
  dispute: { window: number; move: number };
}

/** The terms the floors depend on (the CLI asks before it has a whole JobTerms). */
export type FloorInputs = Pick<JobTerms, 'q' | 'committeeSize' | 'bounty'>;

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** The multiply-add equivalents of the work behind each floor: one step, state_0, and the sizes involved. */
export function floorWork(spec: ModelSpec, q: number): { step: bigint; init: bigint; stateBytes: bigint; segments: number; sampled: number } {
  const cost = refereeCost(spec);
  const params = specShapes(spec).params.reduce((n, p) => n + p.size, 0);
  const segments = segmentCount(spec.steps, spec.checkpointInterval);
  return {
    step: BigInt(cost.stepCost) + FLOOR_REF.stepOverheadMacs,
    init: BigInt(params) * FLOOR_REF.initMacsPerParam,
    stateBytes: BigInt(cost.stateBytes),
    segments,
    // q draws with replacement hit at most min(q, n) distinct segments; the floor prices the most
    sampled: Math.min(q, segments),
  };
}

/** Blocks for work of `macs` multiply-adds and `bytes` moved: the work at the reference rates, plus one block to land the answer. */
function blocksFor(macs: bigint, bytes: bigint): number {
  const R = FLOOR_REF;
  const num = macs * R.bytesPerBlock + bytes * R.macsPerBlock;
  const blocks = 1n + ceilDiv(num, R.macsPerBlock * R.bytesPerBlock);
  return Math.max(R.minBlocks, Number(blocks));
}

/**
 * The floors of docs/jobs.md §1 (all in integers; T steps, k the checkpoint interval, n = ceil(T/k)
 * segments, m = min(q, n), c = committeeSize, W = stepCost + stepOverhead, I = params × initMacsPerParam,
 * S = state bytes, ρ = 3/2):
 * - solverStake ≥ ceil(B / q): pol-economics §3's S ≥ C/q with the bounty B as the price of C.
 * - attestReward ≥ ceil((ρ·m·k·W + c·I) / macsPerRewardUnit): the committee's replay (each sampled
 *   segment once, r = 1, and state_0 at every seat) at the protocol's price of verification work.
 * - windows, in blocks (blocksFor: 1 + ceil(MAC / macsPerBlock + bytes / bytesPerBlock), at least 2):
 *   commit T·W; open (m + 2)·k·W (re-derive each opened checkpoint from a state at most a segment back);
 *   attest ρ·m·k·W + I and (m + 1)·S fetched (one member may hold every seat); dispute.window and
 *   dispute.move ρ·k·W + I and 2·S (replay one segment from a fetched checkpoint, put state_t on chain);
 *   accept and reveal 2 (no computation); challengeDelay keeps JOB_LIMITS.minChallengeDelay.
 */
export function termFloors(spec: ModelSpec, t: FloorInputs): TermFloors {
  const R = FLOOR_REF;
  const w = floorWork(spec, t.q);
  const T = BigInt(spec.steps);
  const k = BigInt(spec.checkpointInterval);
  const m = BigInt(w.sampled);
  const replay = (segments: bigint) => (R.replayNum * segments * k * w.step) / R.replayDen;
  // 2·(ρ·m·k·W + c·I) with ρ = 3/2, priced at 2·macsPerRewardUnit: the exact fraction, rounded up once
  const committeeWork2 = R.replayNum * m * k * w.step + R.replayDen * BigInt(t.committeeSize) * w.init;
  const oneSegment = replay(1n) + w.init;
  return {
    solverStake: ceilDiv(t.bounty, BigInt(t.q)),
    attestReward: ceilDiv(committeeWork2, R.replayDen * R.macsPerRewardUnit),
    windows: {
      accept: R.minBlocks,
      commit: blocksFor(T * w.step, 0n),
      challengeDelay: JOB_LIMITS.minChallengeDelay,
      open: blocksFor((m + 2n) * k * w.step, 0n),
      attest: blocksFor(replay(m) + w.init, (m + 1n) * w.stateBytes),
      reveal: R.minBlocks,
    },
    dispute: { window: blocksFor(oneSegment, 2n * w.stateBytes), move: blocksFor(oneSegment, 2n * w.stateBytes) },
  };
}

/** Refuses terms below a floor (JOB_STAKE_TOO_LOW, JOB_REWARD_TOO_LOW, JOB_WINDOW_TOO_SHORT), saying the floor and how to meet it. */
export function checkTermFloors(t: JobTerms, spec: ModelSpec): void {
  const f = termFloors(spec, t);
  if (t.solverStake < f.solverStake) {
    throw new VmError('JOB_STAKE_TOO_LOW', `terms.solverStake ${t.solverStake} is below the floor ceil(bounty ${t.bounty} / q ${t.q}) = ${f.solverStake}: raise the stake to at least ${f.solverStake}, or raise q`);
  }
  if (t.attestReward < f.attestReward) {
    throw new VmError('JOB_REWARD_TOO_LOW', `terms.attestReward ${t.attestReward} is below ${f.attestReward}, the protocol price (1 per ${FLOOR_REF.macsPerRewardUnit} multiply-adds) of the committee's replay: min(q, n) = ${Math.min(t.q, segmentCount(spec.steps, spec.checkpointInterval))} segments of ${spec.checkpointInterval} steps at 1.5x a training step, and state_0 at each of ${t.committeeSize} seats: raise the reward to at least ${f.attestReward}, or lower q or the committee size`);
  }
  for (const name of ['accept', 'commit', 'open', 'attest', 'reveal'] as const) {
    if (t.windows[name] < f.windows[name]) tooShort(`windows.${name}`, t.windows[name], f.windows[name]);
  }
  if (t.dispute.window < f.dispute.window) tooShort('dispute.window', t.dispute.window, f.dispute.window);
  if (t.dispute.move < f.dispute.move) tooShort('dispute.move', t.dispute.move, f.dispute.move);
}

function tooShort(name: string, got: number, floor: number): never {
  const fix = floor <= JOB_LIMITS.maxWindow
    ? `set it to at least ${floor}`
    : `that is beyond the longest window of ${JOB_LIMITS.maxWindow} blocks: split the work (fewer steps T, a smaller model or a smaller q)`;
  throw new VmError('JOB_WINDOW_TOO_SHORT', `terms.${name} is ${got} blocks, below the floor of ${floor} for this spec and q (docs/jobs.md §1, at ${FLOOR_REF.macsPerBlock} multiply-adds and ${FLOOR_REF.bytesPerBlock} bytes per block): ${fix}`);
}
