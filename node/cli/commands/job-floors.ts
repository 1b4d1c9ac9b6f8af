// `polchain job submit` against the chain's JobSubmit floors (vm/jobs/floors.ts, docs/jobs.md §1):
// values left out default to at least the floor; a flag below its floor is the vm's typed error,
// naming the flag and the least value, before anything is signed.
import { termFloors, VmError, JOB_WINDOW_NAMES, type DisputeTerms, type FloorInputs, type JobWindows, type TermFloors } from '../../../vm/index.ts';
import type { ModelSpec } from '../../../ml-runtime/index.ts';

export interface FloorFlags {
  /** --reward, --stake, --windows, --dispute-window, --move-window as given (undefined: absent) */
  attestReward?: bigint;
  solverStake?: bigint;
  windows?: JobWindows;
  disputeWindow?: number;
  move?: number;
}

export interface FlooredTerms {
  attestReward: bigint;
  solverStake: bigint;
  windows: JobWindows;
  dispute: Pick<DisputeTerms, 'window' | 'move'>;
  floors: TermFloors;
}

/**
 * The reward, stake, windows and dispute windows of a submission: each flag as given (refused with the
 * floor's error code when below it), each absent one the CLI's default raised to the floor.
 */
export function flooredTerms(spec: ModelSpec, t: FloorInputs, flags: FloorFlags, defaults: { windows: JobWindows; disputeWindow: number; move: number }): FlooredTerms {
  const f = termFloors(spec, t);
  const need = (what: string, got: bigint | number, floor: bigint | number, code: 'JOB_STAKE_TOO_LOW' | 'JOB_REWARD_TOO_LOW' | 'JOB_WINDOW_TOO_SHORT', why: string) => {
    if (got < floor) throw new VmError(code, `${what} ${got} is below the chain's floor of ${floor} (${why}); give ${what} ${floor} or more, or leave it out for the default`);
  };
  const solverStake = flags.solverStake ?? t.bounty;
  need('--stake', solverStake, f.solverStake, 'JOB_STAKE_TOO_LOW', `ceil(bounty ${t.bounty} / q ${t.q})`);
  const attestReward = flags.attestReward ?? f.attestReward;
  need('--reward', attestReward, f.attestReward, 'JOB_REWARD_TOO_LOW', `the protocol price of replaying ${t.q} sampled segments and state_0 at ${t.committeeSize} seats`);
  let windows: JobWindows;
  if (flags.windows) {
    windows = flags.windows;
    for (const n of JOB_WINDOW_NAMES) need(`--windows ${n}`, windows[n], f.windows[n], 'JOB_WINDOW_TOO_SHORT', 'blocks this spec and q need at the reference rates of docs/jobs.md §1');
  } else {
    windows = { ...defaults.windows };
    for (const n of JOB_WINDOW_NAMES) windows[n] = Math.max(windows[n], f.windows[n]);
  }
  const window = flags.disputeWindow ?? Math.max(defaults.disputeWindow, f.dispute.window);
  need('--dispute-window', window, f.dispute.window, 'JOB_WINDOW_TOO_SHORT', 'a disputer fetches and replays a segment');
  const move = flags.move ?? Math.max(defaults.move, f.dispute.move);
  need('--move-window', move, f.dispute.move, 'JOB_WINDOW_TOO_SHORT', 'a move may replay a segment and put a state on chain');
  return { attestReward, solverStake, windows, dispute: { window, move }, floors: f };
}
