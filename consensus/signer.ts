/**
 * Signing with a double-sign guard. The state machine never holds a key: it asks a Signer, and the
 * signature exists only after the guard has persisted the (height, round, step) it signs for.
 *
 * GuardedSigner enforces: a new signature needs a (height, round, step) above the last one signed.
 * Data it has already signed at the latest height (the same sign bytes at the same (h, r, step)) is
 * answered with the stored signature, so replaying the consensus WAL after a restart reproduces the
 * node's own votes; anything else at or below the last (h, r, step) is refused.
 * `persist` receives the signing history of the latest height (ascending, the last entry is the
 * newest) BEFORE the signature is returned; the node implements it as a synchronous, fsync'ed write
 * (e.g. writeFileSync + fsyncSync) and throws if it fails, in which case nothing is signed.
 */

import { ConsensusError } from './errors.ts';
import type { UnsignedProposal, UnsignedVote } from './types.ts';
import { voteSigningBytes } from './vote.ts';
import { proposalSigningBytes } from './proposal.ts';
import { addressFromPublicKey, equalBytes, publicKeyFromSeed, sign } from '../primitives/index.ts';

/** Step numbers in the order Tendermint signs them within a round. */
export const SIGN_STEP = { propose: 1, prevote: 2, precommit: 3 } as const;
export type SignStep = (typeof SIGN_STEP)[keyof typeof SIGN_STEP];

export interface LastSigned {
  height: bigint;
  round: number;
  step: SignStep;
  signBytes: Uint8Array;
  signature: Uint8Array;
}

export interface Signer {
  readonly address: Uint8Array; // the validator address votes carry
  signVote(chainId: string, v: UnsignedVote): Uint8Array;
  signProposal(chainId: string, p: UnsignedProposal): Uint8Array;
}

function cmpHRS(a: { height: bigint; round: number; step: number }, b: { height: bigint; round: number; step: number }): number {
  if (a.height !== b.height) return a.height < b.height ? -1 : 1;
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  return a.step === b.step ? 0 : a.step < b.step ? -1 : 1;
}

export class GuardedSigner implements Signer {
  readonly address: Uint8Array;
  private history: LastSigned[];
  private readonly persist: (history: LastSigned[]) => void;

  /**
   * @param seed 32-byte ed25519 seed of the consensus key
   * @param opts.address the validator's address (defaults to the address of the consensus key)
   * @param opts.history what the node persisted last (the signing history of its latest height; empty on a fresh validator)
   * @param opts.persist synchronous durable write of the new history; runs before the signature is returned
   */
  constructor(
    private readonly seed: Uint8Array,
    opts: { address?: Uint8Array; history?: readonly LastSigned[]; persist?: (history: LastSigned[]) => void } = {},
  ) {
    this.address = opts.address ?? addressFromPublicKey(publicKeyFromSeed(seed));
    this.history = [...(opts.history ?? [])];
    this.persist = opts.persist ?? (() => {});
  }

  /** The newest signature's record, or null. */
  get lastSigned(): LastSigned | null {
    return this.history[this.history.length - 1] ?? null;
  }

  /** The signing history of the latest height (what persist last received). */
  get signedHistory(): readonly LastSigned[] {
    return this.history;
  }

  signVote(chainId: string, v: UnsignedVote): Uint8Array {
    return this.guarded(v.height, v.round, v.type === 'prevote' ? SIGN_STEP.prevote : SIGN_STEP.precommit, voteSigningBytes(chainId, v));
  }

  signProposal(chainId: string, p: UnsignedProposal): Uint8Array {
    return this.guarded(p.height, p.round, SIGN_STEP.propose, proposalSigningBytes(chainId, p));
  }

  private guarded(height: bigint, round: number, step: SignStep, signBytes: Uint8Array): Uint8Array {
    const hrs = { height, round, step };
    const last = this.lastSigned;
    if (last && cmpHRS(hrs, last) <= 0) {
      const same = this.history.find((e) => cmpHRS(e, hrs) === 0);
      if (same && equalBytes(same.signBytes, signBytes)) return same.signature;
      throw new ConsensusError('DOUBLE_SIGN_REFUSED', same
        ? `refusing to sign different data at ${height}/${round}/${step}`
        : `refusing to sign ${height}/${round}/${step}: already signed ${last.height}/${last.round}/${last.step}`);
    }
    const signature = sign(this.seed, signBytes);
    const entry: LastSigned = { height, round, step, signBytes, signature };
    const next = last && last.height === height ? [...this.history, entry] : [entry];
    this.persist(next); // durable before the signature leaves
    this.history = next;
    return signature;
  }
}
