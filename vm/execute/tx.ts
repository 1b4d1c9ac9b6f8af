import { U64_MAX } from '../codec/index.ts';

import { VmError } from '../errors.ts';
import { EventKind, type ChainEvent, type ChainParams, type JobUpdate, type Receipt, type UnbondingEntry, type VerifiedTx } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { txUpfrontCost } from './cost.ts';
import { checkJobTx } from './jobs.ts';
import { equalBytes } from '../../primitives/index.ts';

function checkedAdd(a: bigint, b: bigint, what: string): bigint {
  const s = a + b;
  if (s > U64_MAX) throw new VmError('TX_OVERFLOW', `${what} would exceed 2^64-1`);
  return s;
}

/** Credits are infallible: genesis caps total supply at 2^64-1 and no transaction mints. */
function credit(o: StateOverlay, address: Uint8Array, amount: bigint): void {
  const a = o.account(address);
  o.setAccount(address, { balance: a.balance + amount, nonce: a.nonce });
}

/**
 * Executes one stateless-valid transaction against the overlay. Every check runs before the first
 * write, so a rejected transaction leaves the overlay exactly as it was (block building relies on it).
 * A job status change is appended to `jobUpdates`.
 */
export function executeTx(
  o: StateOverlay, vtx: VerifiedTx, params: ChainParams, height: bigint, index: number, proposer: Uint8Array, jobUpdates?: JobUpdate[],
): Receipt {
  const { body } = vtx.tx;
  const sender = vtx.sender;
  const acct = o.account(sender);
  if (body.nonce < acct.nonce) throw new VmError('TX_NONCE_STALE', `nonce ${body.nonce} already used; the account's next nonce is ${acct.nonce}`);
  if (body.nonce > acct.nonce) throw new VmError('TX_NONCE_FUTURE', `nonce ${body.nonce} is ahead of the account's next nonce ${acct.nonce}`);
  if (body.fee < params.minFee) throw new VmError('TX_FEE_TOO_LOW', `fee ${body.fee} is below the minimum ${params.minFee}`);
  const p = body.payload;
  const bonded = p.kind === 'job-accept' || p.kind === 'dispute-open' || p.kind === 'da-demand';
  const cost = txUpfrontCost(body, bonded ? o.job(p.jobId) : undefined);
  if (cost > U64_MAX) throw new VmError('TX_OVERFLOW', `${p.kind} would cost ${cost}, beyond 2^64-1`);
  if (cost > acct.balance) throw new VmError('TX_INSUFFICIENT_BALANCE', `${p.kind} costs ${cost} but the balance is ${acct.balance}`);

  const events: ChainEvent[] = [];
  let write: () => void;
  switch (p.kind) {
    case 'transfer': {
      write = () => credit(o, p.to, p.amount);
      events.push({ kind: EventKind.Transfer, address: sender, counterparty: p.to, amount: p.amount });
      break;
    }
    case 'stake': {
      const v = o.validator(sender);
      if (v?.jailed) throw new VmError('STAKE_JAILED', 'this validator was jailed for equivocation and cannot stake again');
      if (v && !equalBytes(v.consensusKey, p.consensusKey)) {
        throw new VmError('STAKE_KEY_MISMATCH', 'this account already validates with a different consensus key');
      }
      if (v && !equalBytes(v.blsKey, p.blsKey)) {
        throw new VmError('STAKE_KEY_MISMATCH', 'this account already validates with a different BLS key');
      }
      const stake = checkedAdd(v?.stake ?? 0n, p.amount, 'stake');
      if (stake < params.minStake) throw new VmError('STAKE_BELOW_MINIMUM', `stake ${stake} is below the minimum ${params.minStake}`);
      write = () => o.setValidator(sender, { address: sender, consensusKey: p.consensusKey, blsKey: p.blsKey, stake });
      events.push({ kind: EventKind.Stake, address: sender, counterparty: null, amount: p.amount });
      break;
    }
    case 'unbond': {
      const v = o.validator(sender);
      if (!v) throw new VmError('UNBOND_NOT_VALIDATOR', 'this account has no stake to unbond');
      if (p.amount > v.stake) throw new VmError('UNBOND_EXCEEDS_STAKE', `unbonding ${p.amount} but the stake is ${v.stake}`);
      const stake = v.stake - p.amount;
      if (stake > 0n && stake < params.minStake) {
        throw new VmError('STAKE_BELOW_MINIMUM', `remaining stake ${stake} would be below the minimum ${params.minStake}; unbond all or less`);
      }
      if (stake === 0n && !v.jailed && o.activeValidatorCount() <= 1) {
        throw new VmError('UNBOND_LAST_VALIDATOR', 'the last validator cannot unbond all of its stake: the chain would halt');
      }
      const completionHeight = height + params.unbondingPeriod;
      write = () => {
        // the record stays at stake 0: jailed, so that the account can never stake again; otherwise
        // until its unbonding matures, so that evidence can still find its keys and slash the queue
        o.setValidator(sender, { ...v, stake });
        o.setUnbonding([...o.unbonding, { address: sender, amount: p.amount, completionHeight }]);
      };
      events.push({ kind: EventKind.Unbond, address: sender, counterparty: null, amount: p.amount });
      break;
    }
    default: {
      const eff = checkJobTx(o, vtx, p, height);
      events.push(...eff.events);
      write = () => {
        eff.write();
        if (eff.update) jobUpdates?.push(eff.update);
      };
    }
  }
  o.setAccount(sender, { balance: acct.balance - cost, nonce: acct.nonce + 1n });
  write();
  credit(o, proposer, body.fee);
  events.push({ kind: EventKind.Fee, address: sender, counterparty: proposer, amount: body.fee });
  return { txHash: vtx.hash, height, index, sender, fee: body.fee, events };
}

/** Returns matured unbonding entries to their owners' balances at the start of a block. */
export function releaseUnbonding(o: StateOverlay, height: bigint): ChainEvent[] {
  const q = o.unbonding;
  if (q.length === 0 || q[0]!.completionHeight > height) return [];
  const events: ChainEvent[] = [];
  const rest = [];
  const released: Uint8Array[] = [];
  for (const e of q) {
    if (e.completionHeight <= height) {
      credit(o, e.address, e.amount);
      events.push({ kind: EventKind.UnbondComplete, address: e.address, counterparty: null, amount: e.amount });
      released.push(e.address);
    } else rest.push(e);
  }
  o.setUnbonding(rest);
  // a validator that unbonded everything is forgotten once nothing of it can be slashed any more
  for (const address of released) {
    const v = o.validator(address);
    if (v && v.stake === 0n && !v.jailed && !rest.some((e) => equalBytes(e.address, address))) o.setValidator(address, null);
  }
  return events;
}

/**
 * An unbonding entry started at height `completionHeight - unbondingPeriod` (the period is a genesis
 * constant); stake whose unbond landed at or after the offence height was in the set that voted
 * there (set changes take effect one height later), so it answers for the offence too. Without this
 * an equivocator could unbond in the same block and walk away with everything.
 */
const answersFor = (e: UnbondingEntry, offence: { offender: Uint8Array; height: bigint }, params: ChainParams): boolean =>
  equalBytes(e.address, offence.offender) && e.completionHeight >= offence.height + params.unbondingPeriod;

export function hasSlashableUnbonding(o: StateOverlay, offence: { offender: Uint8Array; height: bigint }, params: ChainParams): boolean {
  return o.unbonding.some((e) => e.amount > 0n && answersFor(e, offence, params));
}

/**
 * Slashes one equivocator: burns floor(x * slashFractionBps / 10000) of its stake and of each of its
 * unbonding entries started at or after the offence height (total supply shrinks by the sum), and
 * jails it (out of the active set from the next height on; the rest may be unbonded). The caller
 * has checked that the validator exists and is not jailed.
 */
export function slashValidator(o: StateOverlay, offence: { offender: Uint8Array; height: bigint }, params: ChainParams): ChainEvent {
  const address = offence.offender;
  const v = o.validator(address)!;
  const cut = (x: bigint) => (x * BigInt(params.slashFractionBps)) / 10_000n;
  let amount = cut(v.stake);
  o.setValidator(address, { ...v, stake: v.stake - amount, jailed: true });
  let cutQueue = false;
  const queue = o.unbonding.map((e) => {
    const burned = answersFor(e, offence, params) ? cut(e.amount) : 0n;
    if (burned === 0n) return e;
    cutQueue = true;
    amount += burned;
    return { ...e, amount: e.amount - burned };
  });
  if (cutQueue) o.setUnbonding(queue); // an untouched queue stays out of this block's state writes
  return { kind: EventKind.Slash, address, counterparty: null, amount };
}
