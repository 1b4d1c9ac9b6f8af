import { bytesToHex, type ChainState } from '../../vm/index.ts';
import { advanceHeight, makeValidatorSet, validatorSetAtHeight, type ValidatorSet } from '../../consensus/index.ts';

/**
 * The validator set (with proposer priorities) that decides height h: the active validators of
 * the state after block h-1, with priorities stepped from zero once per height since 1. Every node
 * computes the same set from (membership, height) alone, restarts included; while membership is
 * unchanged the next height's set is one `advanceHeight` step away.
 */
export class ValidatorSets {
  private cached: { height: bigint; key: string; set: ValidatorSet } | null = null;

  forNextHeight(state: ChainState): ValidatorSet {
    const height = state.height + 1n;
    const vals = state.validatorList();
    const key = vals.map((v) => `${bytesToHex(v.address)}:${bytesToHex(v.consensusKey)}:${v.stake}`).join(',');
    const c = this.cached;
    let set: ValidatorSet;
    if (c && c.key === key && c.height === height) set = c.set;
    else if (c && c.key === key && c.height === height - 1n) set = advanceHeight(c.set);
    else set = validatorSetAtHeight(makeValidatorSet(vals.map((v) => ({ address: v.address, consensusKey: v.consensusKey, power: v.stake, blsKey: (v as { blsKey?: Uint8Array }).blsKey ?? null }))), height);
    this.cached = { height, key, set };
    return set;
  }
}
