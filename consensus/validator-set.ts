/**
 * Validator sets and weighted round-robin proposer selection (the CometBFT algorithm, in bigint).
 *
 * A ValidatorSet is immutable: validators sorted by address, each with a voting power and a
 * proposer priority. The priorities are the "persisted priority state": `priorities` held by the
 * set are those at the START of a height. Selection for (height, round) steps a copy round+1
 * times; `advanceHeight(set)` steps it once and gives the set for the next height. So the proposer
 * is reproducible from (the set at that height, round) alone; the node persists the set (with its
 * priorities) per height, or recomputes it from genesis with `validatorSetAtHeight` while the
 * membership does not change.
 *
 * One step: rescale (if max-min > 2*total, divide every priority by ceil(diff / (2*total)), bigint
 * division truncating toward zero) and centre (subtract floor(sum / n)) are done once per call of
 * incrementPriorities; then each step adds every validator's power to its priority, picks the
 * highest priority (tie: the smaller address), and subtracts the total power from it.
 */
import { type Validator } from '../vm/index.ts';
import { ConsensusError } from './errors.ts';
import { compareBytes, bytesToHex } from '../primitives/index.ts';

export interface ConsensusValidator {
  address: Uint8Array; // 20 bytes
  consensusKey: Uint8Array; // 32-byte ed25519 key that signs votes and proposals
  blsKey: Uint8Array | null; // 48-byte BLS12-381 G1 key for the beacon (null: cannot propose a beacon)
  power: bigint; // voting power (stake)
  priority: bigint; // proposer priority at the start of the height
}

export interface ValidatorSet {
  readonly validators: readonly ConsensusValidator[]; // sorted by address
  readonly totalPower: bigint;
  readonly index: ReadonlyMap<string, number>; // hex address -> position (lookup only, never iterated)
}

export function makeValidatorSet(
  vals: ReadonlyArray<{ address: Uint8Array; consensusKey: Uint8Array; power: bigint; blsKey?: Uint8Array | null; priority?: bigint }>,
): ValidatorSet {
  if (vals.length === 0) throw new ConsensusError('VALIDATOR_SET_INVALID', 'validator set is empty');
  const sorted = vals
    .map((v) => ({ address: v.address, consensusKey: v.consensusKey, blsKey: v.blsKey ?? null, power: v.power, priority: v.priority ?? 0n }))
    .sort((a, b) => compareBytes(a.address, b.address));
  const index = new Map<string, number>();
  let total = 0n;
  sorted.forEach((v, i) => {
    if (v.address.length !== 20) throw new ConsensusError('VALIDATOR_SET_INVALID', `validator ${i}: address must be 20 bytes`);
    if (v.consensusKey.length !== 32) throw new ConsensusError('VALIDATOR_SET_INVALID', `validator ${bytesToHex(v.address)}: consensus key must be 32 bytes`);
    if (v.power <= 0n) throw new ConsensusError('VALIDATOR_SET_INVALID', `validator ${bytesToHex(v.address)}: power must be positive`);
    const k = bytesToHex(v.address);
    if (index.has(k)) throw new ConsensusError('VALIDATOR_SET_INVALID', `validator ${k} appears twice`);
    index.set(k, i);
    total += v.power;
  });
  return { validators: sorted, totalPower: total, index };
}

/** From the vm's validators (power = stake). BLS keys are looked up by address hex if given. */
export function validatorSetFromVm(vals: readonly Validator[], blsKeys?: ReadonlyMap<string, Uint8Array>): ValidatorSet {
  return makeValidatorSet(
    vals.filter((v) => v.stake > 0n).map((v) => ({ address: v.address, consensusKey: v.consensusKey, power: v.stake, blsKey: blsKeys?.get(bytesToHex(v.address)) ?? null })),
  );
}

export function getValidator(set: ValidatorSet, address: Uint8Array): ConsensusValidator | undefined {
  const i = set.index.get(bytesToHex(address));
  return i === undefined ? undefined : set.validators[i];
}

/** power * 3 > total * 2 */
export const hasTwoThirds = (set: ValidatorSet, power: bigint): boolean => power * 3n > set.totalPower * 2n;
/** power * 3 > total (f+1 for n = 3f+1) */
export const hasOneThird = (set: ValidatorSet, power: bigint): boolean => power * 3n > set.totalPower;

function rescaleAndCentre(prio: bigint[], total: bigint): void {
  let min = prio[0]!, max = prio[0]!;
  for (const p of prio) { if (p < min) min = p; if (p > max) max = p; }
  const window = 2n * total;
  const diff = max - min;
  if (diff > window) {
    const ratio = (diff + window - 1n) / window;
    for (let i = 0; i < prio.length; i++) prio[i] = prio[i]! / ratio;
  }
  let sum = 0n;
  for (const p of prio) sum += p;
  const n = BigInt(prio.length);
  let avg = sum / n;
  if (sum < 0n && avg * n !== sum) avg -= 1n; // floor
  for (let i = 0; i < prio.length; i++) prio[i] = prio[i]! - avg;
}

/** Steps `times` times; returns the new priorities and the index chosen at each step. */
function stepPriorities(set: ValidatorSet, times: number): { prio: bigint[]; chosen: number[] } {
  const prio = set.validators.map((v) => v.priority);
  rescaleAndCentre(prio, set.totalPower);
  const chosen: number[] = [];
  for (let t = 0; t < times; t++) {
    let best = 0;
    for (let i = 0; i < prio.length; i++) {
      prio[i] = prio[i]! + set.validators[i]!.power;
    }
    for (let i = 1; i < prio.length; i++) if (prio[i]! > prio[best]!) best = i; // ties keep the smaller address (sorted)
    prio[best] = prio[best]! - set.totalPower;
    chosen.push(best);
  }
  return { prio, chosen };
}

function withPriorities(set: ValidatorSet, prio: bigint[]): ValidatorSet {
  return { validators: set.validators.map((v, i) => ({ ...v, priority: prio[i]! })), totalPower: set.totalPower, index: set.index };
}

/** The proposer of `round` at the height whose start-of-height priorities `set` holds. */
export function proposer(set: ValidatorSet, round: number): ConsensusValidator {
  if (!Number.isInteger(round) || round < 0) throw new ConsensusError('STATE_INVALID', `proposer: bad round ${round}`);
  const { chosen } = stepPriorities(set, round + 1);
  return set.validators[chosen[round]!]!;
}

/** The set for the next height (same members, priorities stepped once). */
export function advanceHeight(set: ValidatorSet): ValidatorSet {
  return withPriorities(set, stepPriorities(set, 1).prio);
}

/** The set at `height` (>= 1) from a genesis set with fixed membership: steps height-1 times (O(height * n)). */
export function validatorSetAtHeight(genesis: ValidatorSet, height: bigint): ValidatorSet {
  if (height < 1n) throw new ConsensusError('STATE_INVALID', 'height must be >= 1');
  let set = genesis;
  for (let h = 1n; h < height; h++) set = advanceHeight(set);
  return set;
}

/**
 * A membership/power change: validators that stay keep their priority, new ones start at
 * -(total + total/8) (they do not propose at once), removed ones are dropped; then centred.
 */
export function updateValidatorSet(
  prev: ValidatorSet,
  next: ReadonlyArray<{ address: Uint8Array; consensusKey: Uint8Array; power: bigint; blsKey?: Uint8Array | null }>,
): ValidatorSet {
  const fresh = makeValidatorSet(next);
  const penalty = -(fresh.totalPower + fresh.totalPower / 8n);
  const prio = fresh.validators.map((v) => getValidator(prev, v.address)?.priority ?? penalty);
  let sum = 0n;
  for (const p of prio) sum += p;
  const n = BigInt(prio.length);
  let avg = sum / n;
  if (sum < 0n && avg * n !== sum) avg -= 1n;
  return withPriorities(fresh, prio.map((p) => p - avg));
}
