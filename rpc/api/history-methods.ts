// Read views over the stored blocks for explorers: an account's history and a validator's signing
// record. Both scan stored blocks from the head down and are bounded per call (at most
// HISTORY_SCAN_BLOCKS blocks, at most a page of items); the answer says where the next call goes on.

import { schemas } from '../encoding.ts';
import { typed, method, opt, req } from './define.ts';
import { addressSchema } from './params.ts';
import { VALIDATOR, VALIDATOR_PROPS, type EventJson, type ValidatorJson } from './chain-json.ts';
import { address, array, big, bool, hash, int, nullable, object, str } from './shape.ts';
import type { Repr, Wire } from './wire.ts';

/** Blocks one account_getHistory call reads at most (the page may end earlier). */
export const HISTORY_SCAN_BLOCKS = 1000;
/** Transaction receipts one call reads at most: it stops after the block that reaches this many. */
export const HISTORY_SCAN_TXS = 10_000;
export const HISTORY_LIMIT_MAX = 100;
export const HISTORY_LIMIT_DEFAULT = 25;
export const ACTIVITY_BLOCKS_MAX = 1000;
export const ACTIVITY_BLOCKS_DEFAULT = 100;

/** One money event touching the account, with where it happened (txHash null: a block-level event). */
export type HistoryItemJson<W extends Repr = Wire> = { height: W['big']; txHash: W['bytes'] | null; txKind: string | null } & EventJson<W>;
const HISTORY_ITEM = object({
  height: big(), txHash: nullable(hash('the transaction, null for a block-level event (matured unbonding, slash, job settlement)')),
  txKind: nullable(str('the transaction kind (transfer, stake, job-submit, ...), null for a block-level event')),
  kind: str('the event: transfer, fee, stake, unbond, job_payout, ... (docs/rpc.md)'), address: address('the account the event is about'),
  counterparty: nullable(address()), amount: big(),
});

export interface AccountHistoryJson<W extends Repr = Wire> {
  address: string; height: W['big']; items: HistoryItemJson<W>[];
  /** The lowest height this call read; the scan covered [scannedFrom, before). */
  scannedFrom: W['big'];
  /** Pass as `before` to read older blocks; null once block 1 was read. */
  nextBefore: W['big'] | null;
}

export interface ValidatorActivityJson<W extends Repr = Wire> {
  address: string; height: W['big']; validator: ValidatorJson<W> | null; activeStake: W['big'];
  /** The window read: blocks from..to (inclusive). */
  from: W['big']; to: W['big'];
  /** Blocks in the window whose deciding set held this validator, of those how many it signed, and which it missed (newest first, at most 100). */
  expected: number; signed: number; missed: number; missedHeights: W['big'][];
  proposed: number;
  /** Slash events against it in the window (equivocation evidence, docs/consensus). */
  slashes: Array<{ height: W['big']; amount: W['big'] }>;
}

/** validator_list: every validator record, the jailed and the unbonding ones included. */
export interface ValidatorListJson<W extends Repr = Wire> { height: W['big']; validators: Array<ValidatorJson<W> & { active: boolean }>; activeStake: W['big'] }

export const HISTORY_METHODS = {
  validator_list: method({
    summary: 'Every validator record at the latest block, ordered by address: the active set and the jailed or unbonding ones (chain_getValidators lists only the active set).',
    params: [],
    result: object({
      height: big(),
      validators: array(object({ ...(VALIDATOR_PROPS), active: bool('in the active set: stake > 0 and not jailed') })),
      activeStake: big('stake of the active set: a validator\'s voting power is its stake over this'),
    }),
  }),
  account_getHistory: method({
    summary: `Money events (transfers, fees, stake, job and dispute payments) touching an account, newest first; at most ${HISTORY_SCAN_BLOCKS} blocks and about ${HISTORY_SCAN_TXS} receipts read per call.`,
    description: 'Reads blocks from before-1 down; stops after the block where `limit` items are reached (a page holds whole blocks, so it may hold a few more), or after the scan bound (blocks, or the block whose receipts reach the receipt bound). Pass nextBefore as before to continue; nextBefore is null once block 1 was read.',
    params: [
      req('address', addressSchema),
      opt('before', typed<number | string>({ ...schemas.height, description: 'read blocks below this height (a decimal string or a JSON integer; default: the head + 1)' })),
      opt('limit', typed<number>({ type: 'integer', minimum: 1, maximum: HISTORY_LIMIT_MAX, description: `items wanted (default ${HISTORY_LIMIT_DEFAULT})` })),
    ],
    result: object({
      address: address(), height: big('the head when read'), items: array(HISTORY_ITEM, 'newest first'),
      scannedFrom: big('the lowest height read'), nextBefore: nullable(big('pass as before for older blocks')),
    }),
  }),
  validator_getActivity: method({
    summary: `A validator's record over the latest blocks (at most ${ACTIVITY_BLOCKS_MAX}): stake and voting power, blocks proposed, commits signed and missed, slashes.`,
    description: 'A block counts as expected when the validator set that decided it held the address; missed when the stored commit that finalised it lacks the validator\'s signature (a commit holds the +2/3 the node had when it decided, so a slow validator may show a miss its vote would have filled).',
    params: [
      req('address', addressSchema),
      opt('blocks', typed<number>({ type: 'integer', minimum: 1, maximum: ACTIVITY_BLOCKS_MAX, description: `window size in blocks ending at the head (default ${ACTIVITY_BLOCKS_DEFAULT})` })),
    ],
    result: object({
      address: address(), height: big(), validator: nullable(VALIDATOR), activeStake: big('stake of the active set (voting power = stake / activeStake; 0 while jailed)'),
      from: big(), to: big(), expected: int(), signed: int(), missed: int(), missedHeights: array(big(), 'newest first, at most 100'), proposed: int(),
      slashes: array(object({ height: big(), amount: big() })),
    }),
  }),
};

export interface HistoryResults<W extends Repr = Wire> {
  validator_list: ValidatorListJson<W>;
  account_getHistory: AccountHistoryJson<W>;
  validator_getActivity: ValidatorActivityJson<W>;
}
