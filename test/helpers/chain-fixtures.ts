// Builders shared by vm and node tests: a small genesis with known keys, signed transactions, and
// the ConsensusHooks a BFT node injects into the vm, built from consensus/.
import { createGenesisState, signBlsPop, signTxBytes, type ChainParams, type StakePayload, type TxPayload, type ChainState, type ConsensusHooks, type Validator } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import {
  beaconSign, beaconVerify, blsPublicKey, blsSecretFromSeed, commitFromVotes, decodeCommit, decodeEvidence, encodeCommit, encodeEvidence,
  makeDuplicateVoteEvidence, signVote, validatorSetFromVm, verifyCommit, verifyDuplicateVoteEvidence,
} from '../../consensus/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

export const TEST_CHAIN = 'polchain-test';
export const TEST_PARAMS: ChainParams = {
  unbondingPeriod: 3n, minFee: 1n, minStake: 100n, maxTxBytes: 512, maxBlockTxs: 5000, maxBlockBytes: 1 << 20, slashFractionBps: 500,
};

export interface TestAccount { seed: Uint8Array; publicKey: Uint8Array; address: Uint8Array; blsSecret: Uint8Array; blsKey: Uint8Array }

const withBls = (a: { seed: Uint8Array; publicKey: Uint8Array; address: Uint8Array }): TestAccount => {
  const blsSecret = blsSecretFromSeed(a.seed);
  return { ...a, blsSecret, blsKey: blsPublicKey(blsSecret) };
};

export const alice = withBls(devAccount(0));
export const bob = withBls(devAccount(1));
export const carol = withBls(devAccount(2));
export const val = withBls(devAccount(9));

/** The genesis validator record of a test account. */
export const validatorOf = (a: TestAccount, stake = 1_000n): Validator => ({ address: a.address, consensusKey: a.publicKey, blsKey: a.blsKey, stake });

/** Height-0 state: alice, bob, carol and val funded; `validators` (default: val alone) staked 1000 each. */
export function testState(balance = 1_000_000n, validators: TestAccount[] = [val]): ChainState {
  return createGenesisState({
    chainId: TEST_CHAIN,
    genesisTimeMs: 1_000n,
    params: { ...TEST_PARAMS },
    accounts: [alice, bob, carol, val].map((a) => ({ address: a.address, balance })),
    validators: validators.map((v) => validatorOf(v)),
  });
}

export function tx(from: { seed: Uint8Array }, nonce: bigint, payload: TxPayload, fee = 1n, chainId = TEST_CHAIN): Uint8Array {
  return signTxBytes({ chainId, nonce, fee, payload }, from.seed);
}

/**
 * A stake by `staker` with its own keys (or `consensus`'s ed25519 key and `bls`'s BLS key), carrying
 * the proof of possession of the BLS key signed for `staker` on `chainId`.
 */
export function stakePayload(staker: TestAccount, amount: bigint, o: { consensus?: TestAccount; bls?: TestAccount; chainId?: string } = {}): StakePayload {
  const bls = o.bls ?? staker;
  return {
    kind: 'stake', consensusKey: (o.consensus ?? staker).publicKey, blsKey: bls.blsKey, amount,
    blsPop: signBlsPop(bls.blsSecret, o.chainId ?? TEST_CHAIN, staker.address, bls.blsKey),
  };
}

export const transfer = (from: { seed: Uint8Array }, to: { address: Uint8Array }, amount: bigint, nonce: bigint, fee = 1n) =>
  tx(from, nonce, { kind: 'transfer', to: to.address, amount }, fee);

/** The proposer's beacon signature for the block after `state`. */
export const beaconSigFor = (proposer: TestAccount, state: ChainState): Uint8Array =>
  beaconSign(proposer.blsSecret, state.chainId, state.height + 1n, state.beacon);

/**
 * ConsensusHooks from consensus/: BLS beacon check, last-commit check against the validator set of
 * the committed height (`setAt(h)`: the active validators that voted on block h, i.e. the list of
 * the state after h - 1), and DuplicateVoteEvidence against the pre-block state's consensus keys.
 */
export function consensusHooks(chainId: string, setAt: (height: bigint) => readonly Validator[]): ConsensusHooks {
  return {
    verifyBeacon: (v, cid, height, prev, sig) => beaconVerify(v.blsKey, cid, height, prev, sig),
    verifyLastCommit(height, prevHash, bytes) {
      if (bytes === null) throw new Error(`block ${height + 1n} carries no commit for block ${height}`);
      const vals = setAt(height);
      const blsKeys = new Map(vals.map((v) => [bytesToHex(v.address), v.blsKey]));
      verifyCommit(chainId, validatorSetFromVm(vals, blsKeys), decodeCommit(bytes), { height, blockHash: prevHash });
    },
    evidenceOffender(bytes, state) {
      const e = decodeEvidence(bytes);
      return { offender: verifyDuplicateVoteEvidence(chainId, e, (address) => state.getValidator(address)?.consensusKey), height: e.voteA.height };
    },
  };
}

/** ConsensusHooks whose last-commit check uses the sets recorded with `record(state)` before each block is built/applied. */
export function trackedHooks(chainId = TEST_CHAIN): { hooks: ConsensusHooks; record(state: ChainState): void } {
  const sets = new Map<string, Validator[]>();
  return {
    hooks: consensusHooks(chainId, (h) => sets.get(h.toString()) ?? []),
    record: (state) => void sets.set((state.height + 1n).toString(), state.validatorList()),
  };
}

/** Encoded DuplicateVoteEvidence: `a` precommits two different blocks at (height, round 0). */
export function equivocation(a: TestAccount, height: bigint, chainId = TEST_CHAIN): Uint8Array {
  const vote = (fill: number) => signVote(chainId, { type: 'precommit', height, round: 0, blockHash: new Uint8Array(32).fill(fill), validator: a.address }, a.seed);
  return encodeEvidence(makeDuplicateVoteEvidence(vote(1), vote(2)));
}

/** Encoded consensus commit of `blockHash` at `height`, precommitted by `signers`. */
export function signedCommit(signers: TestAccount[], height: bigint, blockHash: Uint8Array, round = 0, chainId = TEST_CHAIN): Uint8Array {
  const votes = signers.map((s) => signVote(chainId, { type: 'precommit', height, round, blockHash, validator: s.address }, s.seed));
  return encodeCommit(commitFromVotes(height, round, blockHash, votes));
}
