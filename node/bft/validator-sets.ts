import { type ChainState, type Validator } from '../../vm/index.ts';
import { advanceHeight, makeValidatorSet, updateValidatorSet, validatorSetAtHeight, type ValidatorSet } from '../../consensus/index.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

type Member = { address: Uint8Array; consensusKey: Uint8Array; blsKey: Uint8Array | null; power: bigint };

const membersOf = (vals: readonly Validator[]): Member[] =>
  vals.map((v) => ({ address: v.address, consensusKey: v.consensusKey, blsKey: v.blsKey ?? null, power: v.stake }));

/** Same addresses, keys and powers (both sides sorted by address: validatorList and ValidatorSet are). */
function sameMembers(set: ValidatorSet, members: readonly Member[]): boolean {
  if (set.validators.length !== members.length) return false;
  return set.validators.every((v, i) => {
    const m = members[i]!;
    return equalBytes(v.address, m.address) && equalBytes(v.consensusKey, m.consensusKey) && v.power === m.power
      && (v.blsKey === null ? m.blsKey === null : m.blsKey !== null && equalBytes(v.blsKey, m.blsKey));
  });
}

/**
 * The validator set (with proposer priorities) that decides each height, walked one height at a
 * time as CometBFT does: set(1) is the genesis validators at priority 0; set(h+1) is set(h) stepped
 * once, after `updateValidatorSet` when the active validators of the state after block h differ
 * (members keep their priority, newcomers start behind). Each height costs O(n), so a membership
 * change late in a long chain is as cheap as at its start. A restarted node resumes from the
 * priorities stored with its last block (`restore`); only a node with no stored priorities (a data
 * dir from before they were stored) falls back to stepping the current membership from height 1,
 * which agrees with the walk only if membership never changed.
 */
export class ValidatorSets {
  private cur: { height: bigint; set: ValidatorSet } | null = null;

  /** Resumes the walk at the set that decided `height` (its members from the store, with their stored priorities). */
  restore(height: bigint, decidedBy: readonly Validator[], priorities: ReadonlyMap<string, bigint>): boolean {
    const members = membersOf(decidedBy.filter((v) => v.stake > 0n));
    if (members.length === 0 || members.some((m) => !priorities.has(bytesToHex(m.address)))) return false;
    this.cur = { height, set: makeValidatorSet(members.map((m) => ({ ...m, priority: priorities.get(bytesToHex(m.address))! }))) };
    return true;
  }

  /** The set deciding `state.height + 1`. Call it for every committed state in order (each call is one step of the walk). */
  forNextHeight(state: ChainState): ValidatorSet {
    const height = state.height + 1n;
    const members = membersOf(state.validatorList());
    const c = this.cur;
    let set: ValidatorSet;
    if (c && c.height === height && sameMembers(c.set, members)) set = c.set;
    else if (c && c.height === height - 1n) set = advanceHeight(sameMembers(c.set, members) ? c.set : updateValidatorSet(c.set, members));
    else set = validatorSetAtHeight(makeValidatorSet(members), height);
    this.cur = { height, set };
    return set;
  }

  /** What to store with the block of `height` so that a restart resumes the walk there. */
  prioritiesAt(height: bigint): Array<{ address: Uint8Array; priority: bigint }> | undefined {
    const c = this.cur;
    return c && c.height === height ? c.set.validators.map((v) => ({ address: v.address, priority: v.priority })) : undefined;
  }
}
