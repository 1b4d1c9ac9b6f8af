// account_getHistory and validator_getActivity (rpc/api/history-methods.ts): scans of the stored
// blocks from the head down, each call bounded by a block count so that no request reads the whole
// chain; the cursor in the answer lets an explorer page further back.
import { decodeTx, EventKind, type ChainEvent, type ChainState } from '../../vm/index.ts';
import {
  implement, parseU64Param, HISTORY_METHODS, HISTORY_SCAN_BLOCKS, HISTORY_SCAN_TXS, HISTORY_LIMIT_DEFAULT, ACTIVITY_BLOCKS_DEFAULT,
  type Handlers, type HistoryItemJson, type HistoryResults, type Native, type RpcMethod,
} from '../../rpc/index.ts';
import type { ChainStore } from '../storage/index.ts';
import { eventJson, validatorJson } from './json.ts';
import { parseAddress } from './params.ts';
import { compareBytes, equalBytes, sha256 } from '../../primitives/index.ts';

export interface HistoryRpcContext {
  state: ChainState;
  store: ChainStore;
  /** Blocks one account_getHistory call reads at most (default HISTORY_SCAN_BLOCKS; tests lower it). */
  scanBlocks?: number;
  /** Receipts one call reads at most, counted in whole blocks (default HISTORY_SCAN_TXS; tests lower it). */
  scanTxs?: number;
}

const touches = (e: ChainEvent, a: Uint8Array) => equalBytes(e.address, a) || (e.counterparty !== null && equalBytes(e.counterparty, a));
const MISSED_LIST_MAX = 100;

/** The events of block `h` that touch `a`, newest (last transaction, then block-level) first, and how many receipts it read. */
async function blockItems(store: ChainStore, h: bigint, a: Uint8Array): Promise<{ items: HistoryItemJson<Native>[]; txs: number }> {
  const block = await store.getBlock(h);
  if (!block) return { items: [], txs: 0 };
  const out: HistoryItemJson<Native>[] = [];
  // block-level events come after the transactions (end-of-block tick), so they are the newest
  for (const e of (await store.getBlockEvents(h)).filter((x) => touches(x, a)).reverse()) out.push({ height: h, txHash: null, txKind: null, ...eventJson(e) });
  for (let i = block.txs.length - 1; i >= 0; i--) {
    const raw = block.txs[i]!;
    const hash = sha256(raw);
    const receipt = await store.getReceipt(hash);
    const mine = (receipt?.events ?? []).filter((x) => touches(x, a));
    if (!mine.length) continue;
    const kind = decodeTx(raw, Number.MAX_SAFE_INTEGER).body.payload.kind;
    for (const e of mine.reverse()) out.push({ height: h, txHash: hash, txKind: kind, ...eventJson(e) });
  }
  return { items: out, txs: block.txs.length };
}

export function historyMethods(c: HistoryRpcContext): RpcMethod[] {
  const activeStake = () => c.state.validatorList().reduce((t, v) => t + v.stake, 0n);
  const handlers: Handlers<typeof HISTORY_METHODS, HistoryResults<Native>> = {
    validator_list: () => ({
      height: c.state.height,
      validators: [...c.state.validators.values()].sort((a, b) => compareBytes(a.address, b.address)).map((v) => ({ ...validatorJson(v), active: v.stake > 0n && !v.jailed })),
      activeStake: activeStake(),
    }),
    account_getHistory: async (p) => {
      const address = parseAddress(p.address, 'address');
      const head = c.state.height;
      const before = p.before === undefined ? head + 1n : parseU64Param(p.before, 'before');
      const limit = p.limit ?? HISTORY_LIMIT_DEFAULT;
      const items: HistoryItemJson<Native>[] = [];
      let h = (before > head + 1n ? head + 1n : before) - 1n;
      const stop = h - BigInt(c.scanBlocks ?? HISTORY_SCAN_BLOCKS);
      let lowest = h + 1n;
      const txBudget = c.scanTxs ?? HISTORY_SCAN_TXS;
      let txs = 0;
      for (; h >= 1n && h > stop && items.length < limit && txs < txBudget; h--) {
        const got = await blockItems(c.store, h, address);
        items.push(...got.items);
        txs += got.txs;
        lowest = h;
      }
      return { address: p.address, height: head, items, scannedFrom: lowest, nextBefore: lowest > 1n ? lowest : null };
    },
    validator_getActivity: async (p) => {
      const address = parseAddress(p.address, 'address');
      const head = c.state.height;
      const blocks = BigInt(p.blocks ?? ACTIVITY_BLOCKS_DEFAULT);
      const from = head >= blocks ? head - blocks + 1n : 1n;
      let expected = 0, signed = 0, proposed = 0;
      const missedHeights: bigint[] = [];
      let missed = 0;
      const slashes: Array<{ height: bigint; amount: bigint }> = [];
      for (let h = head; h >= from; h--) {
        const [block, commit, decided, events] = await Promise.all([c.store.getBlock(h), c.store.getCommit(h), c.store.getDecidedBy(h), c.store.getBlockEvents(h)]);
        if (block && equalBytes(block.header.proposer, address)) proposed++;
        for (const e of events) if (e.kind === EventKind.Slash && equalBytes(e.address, address)) slashes.push({ height: h, amount: e.amount });
        // a block whose deciding set is not stored (solo blocks) was decided by its proposer alone
        const inSet = decided ? decided.some((v) => equalBytes(v.address, address) && v.stake > 0n && !v.jailed) : block !== undefined && equalBytes(block.header.proposer, address);
        if (!inSet) continue;
        expected++;
        if (commit?.signatures.some((s) => equalBytes(s.validator, address))) signed++;
        else {
          missed++;
          if (missedHeights.length < MISSED_LIST_MAX) missedHeights.push(h);
        }
      }
      const v = c.state.getValidator(address);
      return {
        address: p.address, height: head, validator: v ? validatorJson(v) : null, activeStake: activeStake(),
        from: head === 0n ? 0n : from, to: head, expected, signed, missed, missedHeights, proposed, slashes,
      };
    },
  };
  return implement(HISTORY_METHODS, handlers);
}
