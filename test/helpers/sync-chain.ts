// Extends a stopped BFT validator's chain by many blocks, as its network would have: each block is
// built on the stored state with transfers between dev accounts, proposed by the proposer the
// priority walk names for round 0 (with its real BLS beacon signature), carries the last block's
// commit, and is committed by precommits that all validators sign with their real consensus keys.
// Everything goes through the store's one commit batch, so the data dir is what a node would hold.
import type { Genesis } from '../../genesis/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { beaconSign, blsSecretFromSeed, commitFromVotes, encodeCommit, proposer as proposerOf, signVote } from '../../consensus/index.ts';
import { buildBlock, encode, signTxBytes, type Validator } from '../../vm/index.ts';
import { ChainStore } from '../../node/storage/index.ts';
import { dataDirLayout } from '../../node/config/index.ts';
import { ValidatorSets } from '../../node/bft/index.ts';
import { addressFromPublicKey, bytesToHex, publicKeyFromSeed } from '../../primitives/index.ts';
import { consensusHooks } from './chain-fixtures.ts';

export interface ExtendOptions {
  dataDir: string;
  genesis: Genesis;
  /** The validators' seeds (consensus ed25519 seed; the BLS secret derives from it as in test/helpers/bft-net.ts). */
  validatorSeeds: Uint8Array[];
  blocks: number;
  txsPerBlock: number;
  /** Dev accounts that send (and receive) the transfers. */
  accounts: number;
  blockIntervalMs: bigint;
  onProgress?: (done: number) => void;
  /** The block of this height is committed by the first two validators only (1/2 of the power): a commit sync must refuse. */
  weakCommitAt?: bigint;
}

/** Returns the heights before and after, and how many transfers the new blocks hold. */
export async function extendChain(o: ExtendOptions): Promise<{ from: bigint; to: bigint; txs: number }> {
  const layout = dataDirLayout(o.dataDir);
  const store = await ChainStore.open(layout.db, { headMarker: layout.headMarker });
  try {
    const state = await store.initState(o.genesis);
    const keys = new Map(o.validatorSeeds.map((seed) => {
      const address = addressFromPublicKey(publicKeyFromSeed(seed));
      return [bytesToHex(address), { seed, address, bls: blsSecretFromSeed(seed) }] as const;
    }));
    const from = state.height;
    const decided = new Map<bigint, Validator[]>();
    const sets = new ValidatorSets();
    if (from > 0n) { // resume the stopped validator's walk (a fresh chain starts it at height 1)
      decided.set(from, (await store.getDecidedBy(from))!);
      const prio = await store.getProposerPriorities(from);
      if (!prio || !sets.restore(from, decided.get(from)!, prio)) throw new Error('the stopped validator stored no proposer priorities');
    }
    const hooks = consensusHooks(state.chainId, (h) => decided.get(h) ?? []);
    let lastCommit = from > 0n ? (await store.getBftCommit(from))! : null;
    const senders = Array.from({ length: o.accounts }, (_, i) => devAccount(i));
    const nonces = senders.map((a) => state.getAccount(a.address)?.nonce ?? 0n);
    let txs = 0;
    for (let n = 0; n < o.blocks; n++) {
      const height = state.height + 1n;
      const set = sets.forNextHeight(state);
      const prop = keys.get(bytesToHex(proposerOf(set, 0).address))!;
      const candidates: Uint8Array[] = [];
      for (let t = 0; t < o.txsPerBlock; t++) {
        const i = (n * o.txsPerBlock + t) % senders.length;
        const to = senders[(i + 1) % senders.length]!;
        candidates.push(signTxBytes({ chainId: state.chainId, nonce: nonces[i]!, fee: 1n, payload: { kind: 'transfer', to: to.address, amount: 1n } }, senders[i]!.seed));
        nonces[i]!++;
      }
      const r = buildBlock(state, {
        height, timestampMs: state.lastTimestampMs + o.blockIntervalMs, proposer: prop.address,
        beaconSig: beaconSign(prop.bls, state.chainId, height, state.beacon), lastCommit, evidence: [],
      }, candidates, undefined, hooks);
      if (r.rejected.length) throw new Error(`block ${height}: ${r.rejected.length} transfers rejected`);
      txs += r.block.txs.length;
      const signed = (signers: typeof keys extends Map<string, infer K> ? K[] : never) => commitFromVotes(height, 0, r.hash,
        signers.map((k) => signVote(state.chainId, { type: 'precommit', height, round: 0, blockHash: r.hash, validator: k.address }, k.seed)));
      const commit = signed([...keys.values()]);
      // the store (what sync serves) holds the weak commit; the next block still carries the full one
      const stored = height === o.weakCommitAt ? signed([...keys.values()].slice(0, 2)) : commit;
      const decidedBy = state.validatorList();
      lastCommit = encodeCommit(commit);
      await store.commit(state, r, { height, blockHash: r.hash, signatures: stored.signatures.map((s) => ({ validator: s.validator, signature: s.signature })) },
        { commit: encodeCommit(stored), decidedBy, priorities: sets.prioritiesAt(height) });
      decided.set(height, decidedBy);
      decided.delete(height - 2n);
      o.onProgress?.(n + 1);
    }
    return { from, to: state.height, txs };
  } finally {
    await store.close();
  }
}

/** The bytes sync/blocks serves for heights (from, to]: each item is encode([block, commit]). */
export async function servedBytes(dataDir: string, from: bigint, to: bigint): Promise<number> {
  const layout = dataDirLayout(dataDir);
  const store = await ChainStore.open(layout.db, { headMarker: layout.headMarker });
  try {
    let bytes = 0;
    for (let h = from + 1n; h <= to; h++) bytes += encode([(await store.getBlockBytes(h))!, (await store.getBftCommit(h))!]).byteLength;
    return bytes;
  } finally {
    await store.close();
  }
}
