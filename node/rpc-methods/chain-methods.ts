import { accountTreeKey, encodeAccount, isVmError, verifySmtProof, encodeSmtProof, decodeTx, type ChainState } from '../../vm/index.ts';
import {
  RpcError, NOT_FOUND, TX_REJECTED, MEMPOOL_FULL, parseBlockTag, parseHexParam, schemas, type RpcMethod,
} from '../../rpc/index.ts';
import { NodeError } from '../util/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Mempool } from '../mempool/index.ts';
import { accountJson, headerJson, receiptJson, txJson, validatorJson } from './json.ts';
import { addressSchema, parseAddress } from './params.ts';
import { bytesToHex, encodeAddress, sha256, addressFromPublicKey } from '../../primitives/index.ts';

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
  verifier?(): unknown;
}

const obj: RpcMethod['result'] = { type: 'object' };

async function resolveHeight(c: ChainRpcContext, tag: unknown): Promise<bigint> {
  const t = parseBlockTag(tag, 'block');
  if (t.kind === 'latest') return c.state.height;
  if (t.kind === 'height') return BigInt(t.height);
  const h = await c.store.getHeightByHash(t.hash);
  if (h === undefined) throw new RpcError(NOT_FOUND, `no block with hash 0x${bytesToHex(t.hash)}`);
  return h;
}

export function chainMethods(c: ChainRpcContext): RpcMethod[] {
  return [
    {
      name: 'node_status', summary: 'Chain id, genesis hash, latest block, mempool and validator identity.', params: [], result: obj,
      handler: async () => {
        const latest = c.state.height > 0n ? await c.store.getBlock(c.state.height) : undefined;
        return {
          version: c.version, chainId: c.state.chainId, genesisHash: c.genesisHash, height: c.state.height,
          latestBlockHash: c.state.lastBlockHash, latestTimestampMs: c.state.lastTimestampMs, stateRoot: c.state.stateRoot,
          latestTxCount: latest?.txs.length ?? 0,
          mempool: { size: c.mempool.size, bytes: c.mempool.bytes },
          validator: c.validatorAddress ? encodeAddress(c.validatorAddress) : null,
          consensus: { ...c.consensus(), validators: c.state.validatorList().length },
          params: { maxTxBytes: c.state.params.maxTxBytes, maxBlockTxs: c.state.params.maxBlockTxs, minFee: c.state.params.minFee, minStake: c.state.params.minStake },
          verifier: c.verifier?.() ?? null,
        };
      },
    },
    {
      name: 'chain_getBlock', summary: 'A block by height, hash or "latest"; with full transactions when full=true.',
      params: [{ name: 'block', required: true, schema: schemas.blockTag }, { name: 'full', required: false, schema: { type: 'boolean' } }],
      result: obj, errors: [NOT_FOUND],
      handler: async (p: { block: unknown; full?: boolean }) => {
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
    },
    {
      name: 'chain_getCommit', summary: 'The signatures that finalised the block at a height.',
      params: [{ name: 'block', required: true, schema: schemas.blockTag }], result: obj, errors: [NOT_FOUND],
      handler: async (p: { block: unknown }) => {
        const height = await resolveHeight(c, p.block);
        const commit = await c.store.getCommit(height);
        if (!commit) throw new RpcError(NOT_FOUND, `no commit at height ${height}`);
        return { height: commit.height, blockHash: commit.blockHash, signatures: commit.signatures.map((s) => ({ validator: encodeAddress(s.validator), signature: s.signature })) };
      },
    },
    {
      name: 'chain_getTx', summary: 'A committed transaction by hash, with its block position.',
      params: [{ name: 'hash', required: true, schema: schemas.hash }], result: obj, errors: [NOT_FOUND],
      handler: async (p: { hash: string }) => {
        const hash = parseHexParam(p.hash, 'hash', 32);
        const loc = await c.store.getTxLocation(hash);
        if (!loc) throw new RpcError(NOT_FOUND, `transaction ${p.hash} is not in a committed block${c.mempool.has(hash) ? ' (it is pending in the mempool)' : ''}`);
        const block = (await c.store.getBlock(loc.height))!;
        const tx = decodeTx(block.txs[loc.index]!, Number.MAX_SAFE_INTEGER);
        return { hash, height: loc.height, index: loc.index, ...txJson(tx, addressFromPublicKey(tx.publicKey)) };
      },
    },
    {
      name: 'tx_submit', summary: 'Submits a signed transaction (canonical bytes as 0x-hex); returns its hash once it is in the mempool.',
      params: [{ name: 'tx', required: true, schema: schemas.bytes }], result: obj, errors: [TX_REJECTED, MEMPOOL_FULL],
      handler: (p: { tx: string }) => {
        const raw = parseHexParam(p.tx, 'tx');
        try {
          return { hash: c.submit(raw) };
        } catch (e) {
          if (e instanceof NodeError && e.code === 'MEMPOOL_FULL') throw new RpcError(MEMPOOL_FULL, e.message, { code: e.code });
          if (isVmError(e) || e instanceof NodeError) throw new RpcError(TX_REJECTED, e.message, { code: e.code });
          throw e;
        }
      },
    },
    {
      name: 'tx_getReceipt', summary: 'The receipt of a committed transaction, or null while it is pending or unknown.',
      params: [{ name: 'hash', required: true, schema: schemas.hash }], result: { oneOf: [obj, { type: 'null' }] },
      handler: async (p: { hash: string }) => {
        const r = await c.store.getReceipt(parseHexParam(p.hash, 'hash', 32));
        return r ? receiptJson(r) : null;
      },
    },
    {
      name: 'account_get', summary: 'Balance and nonce of an account at the latest block, plus the next nonce counting pending transactions.',
      params: [{ name: 'address', required: true, schema: addressSchema }], result: obj,
      handler: (p: { address: string }) => {
        const address = parseAddress(p.address, 'address');
        const v = c.state.getValidator(address);
        return { ...accountJson(address, c.state.getAccount(address)), pendingNonce: c.mempool.pendingNonce(address), height: c.state.height, validator: v ? validatorJson(v) : null };
      },
    },
    {
      name: 'state_getProof', summary: 'An account with a sparse Merkle proof (inclusion or non-inclusion) against the latest state root.',
      params: [{ name: 'address', required: true, schema: addressSchema }], result: obj,
      handler: (p: { address: string }) => {
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
    },
    {
      name: 'net_peers', summary: 'Connected libp2p peers with their addresses, application score and direction.', params: [], result: obj,
      handler: () => ({ peers: c.peers() }),
    },
    {
      name: 'node_syncing', summary: 'Whether the node is downloading blocks from peers, and its height.', params: [], result: obj,
      handler: () => ({ syncing: c.consensus().syncing, height: c.state.height }),
    },
    {
      name: 'chain_getValidators', summary: 'The active validator set at the latest block, ordered by address.', params: [], result: obj,
      handler: () => ({ height: c.state.height, validators: c.state.validatorList().map(validatorJson), totalStake: c.state.totalStake() }),
    },
  ];
}
