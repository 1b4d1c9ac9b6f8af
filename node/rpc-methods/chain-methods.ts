import { accountTreeKey, encodeAccount, isVmError, verifySmtProof, encodeSmtProof, decodeTx, type ChainState } from '../../vm/index.ts';
import {
  RpcError, NOT_FOUND, TX_REJECTED, MEMPOOL_FULL, parseBlockTag, parseHexParam, implement, CHAIN_METHODS,
  type ChainResults, type Handlers, type Native, type RpcMethod, type VerifierStatsJson,
} from '../../rpc/index.ts';
import { NodeError } from '../util/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Mempool } from '../mempool/index.ts';
import { accountJson, headerJson, receiptJson, txJson, validatorJson } from './json.ts';
import { parseAddress } from './params.ts';
import { bytesToHex, encodeAddress, equalBytes, sha256, addressFromPublicKey } from '../../primitives/index.ts';

export interface ChainRpcContext {
  state: ChainState;
  store: ChainStore;
  mempool: Mempool;
  genesisHash: Uint8Array;
  version: string;
  validatorAddress: Uint8Array | null;
  /** Admits a transaction to the mempool and gossips it. */
  submit(raw: Uint8Array): Uint8Array;
  /** Consensus engine state for node_status (null in solo mode). */
  consensus(): { engine: string; height?: bigint; round?: number; step?: string; lockedRound?: number; syncing: boolean };
  peers(): Array<{ peerId: string; addrs: string[]; score: number; direction: string }>;
  /** Job verification counters of this validator's verifier (null when it does not verify). */
  verifier?(): VerifierStatsJson | null;
}

async function resolveHeight(c: ChainRpcContext, tag: unknown): Promise<bigint> {
  const t = parseBlockTag(tag, 'block');
  if (t.kind === 'latest') return c.state.height;
  if (t.kind === 'height') return BigInt(t.height);
  const h = await c.store.getHeightByHash(t.hash);
  if (h === undefined) throw new RpcError(NOT_FOUND, `no block with hash 0x${bytesToHex(t.hash)}`);
  return h;
}

/** The chain methods of rpc/api's table, answered from this node's state, store and mempool. */
export function chainMethods(c: ChainRpcContext): RpcMethod[] {
  const handlers: Handlers<typeof CHAIN_METHODS, ChainResults<Native>> = {
    node_status: async () => {
      const latest = c.state.height > 0n ? await c.store.getBlock(c.state.height) : undefined;
      return {
        version: c.version, chainId: c.state.chainId, genesisHash: c.genesisHash, height: c.state.height,
        latestBlockHash: c.state.lastBlockHash, latestTimestampMs: c.state.lastTimestampMs, stateRoot: c.state.stateRoot,
        latestTxCount: latest?.txs.length ?? 0,
        mempool: c.mempool.stats(),
        validator: c.validatorAddress ? encodeAddress(c.validatorAddress) : null,
        consensus: { ...c.consensus(), validators: c.state.validatorList().length },
        params: { maxTxBytes: c.state.params.maxTxBytes, maxBlockTxs: c.state.params.maxBlockTxs, minFee: c.state.params.minFee, minStake: c.state.params.minStake },
        verifier: c.verifier?.() ?? null,
      };
    },
    chain_getBlock: async (p) => {
      const height = await resolveHeight(c, p.block);
      if (height === 0n) throw new RpcError(NOT_FOUND, 'height 0 is genesis, which has no block; see node_status.genesisHash');
      const block = await c.store.getBlock(height);
      if (!block) throw new RpcError(NOT_FOUND, `no block at height ${height} (latest is ${c.state.height})`);
      const txs = block.txs.map((raw) => {
        const hash = sha256(raw);
        if (!p.full) return hash;
        const tx = decodeTx(raw, Number.MAX_SAFE_INTEGER);
        return { hash, ...txJson(tx, addressFromPublicKey(tx.publicKey)) };
      });
      const events = await c.store.getBlockEvents(height);
      return { ...headerJson(block), txs, blockEvents: events.length };
    },
    chain_getCommit: async (p) => {
      const height = await resolveHeight(c, p.block);
      const commit = await c.store.getCommit(height);
      if (!commit) throw new RpcError(NOT_FOUND, `no commit at height ${height}`);
      return { height: commit.height, blockHash: commit.blockHash, signatures: commit.signatures.map((s) => ({ validator: encodeAddress(s.validator), signature: s.signature })) };
    },
    chain_getTx: async (p) => {
      const hash = parseHexParam(p.hash, 'hash', 32);
      const loc = await c.store.getTxLocation(hash);
      if (!loc) throw new RpcError(NOT_FOUND, `transaction ${p.hash} is not in a committed block${c.mempool.has(hash) ? ' (it is pending in the mempool)' : ''}`);
      const block = (await c.store.getBlock(loc.height))!;
      const tx = decodeTx(block.txs[loc.index]!, Number.MAX_SAFE_INTEGER);
      return { hash, height: loc.height, index: loc.index, ...txJson(tx, addressFromPublicKey(tx.publicKey)) };
    },
    tx_submit: (p) => {
      const raw = parseHexParam(p.tx, 'tx');
      try {
        return { hash: c.submit(raw) };
      } catch (e) {
        if (e instanceof NodeError && e.code === 'MEMPOOL_FULL') throw new RpcError(MEMPOOL_FULL, e.message, { code: e.code });
        if (isVmError(e) || e instanceof NodeError) throw new RpcError(TX_REJECTED, e.message, { code: e.code });
        throw e;
      }
    },
    tx_getReceipt: async (p) => {
      const r = await c.store.getReceipt(parseHexParam(p.hash, 'hash', 32));
      return r ? receiptJson(r) : null;
    },
    account_get: (p) => {
      const address = parseAddress(p.address, 'address');
      const v = c.state.getValidator(address);
      const unbonding = c.state.unbonding.filter((e) => equalBytes(e.address, address)).map((e) => ({ amount: e.amount, completionHeight: e.completionHeight }));
      return { ...accountJson(address, c.state.getAccount(address)), pendingNonce: c.mempool.pendingNonce(address), height: c.state.height, validator: v ? validatorJson(v) : null, unbonding };
    },
    state_getProof: (p) => {
      const address = parseAddress(p.address, 'address');
      const account = c.state.getAccount(address);
      const key = accountTreeKey(address);
      const proof = c.state.tree.prove(key);
      const root = c.state.stateRoot;
      const valueHash = account ? sha256(encodeAccount(account)) : null;
      if (!verifySmtProof(root, key, valueHash, proof)) throw new Error('internal: generated proof does not verify');
      return {
        address: p.address, height: c.state.height, stateRoot: root, key, account: account ? accountJson(address, account) : null,
        accountBytes: account ? encodeAccount(account) : null, valueHash, proof: encodeSmtProof(proof),
      };
    },
    net_peers: () => ({ peers: c.peers() }),
    node_syncing: () => ({ syncing: c.consensus().syncing, height: c.state.height }),
    chain_getValidators: () => ({ height: c.state.height, validators: c.state.validatorList().map(validatorJson), totalStake: c.state.totalStake() }),
  };
  return implement(CHAIN_METHODS, handlers);
}
