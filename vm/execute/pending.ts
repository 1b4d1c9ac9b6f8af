import type { VerifiedTx } from '../types/index.ts';
import type { ChainState } from '../state/chain-state.ts';
import { StateOverlay } from '../state/overlay.ts';
import { executeTx } from './tx.ts';

/**
 * Fees of admission checks go to this address inside the throwaway overlay, never to the sender:
 * crediting the sender would let its later pending transactions spend fees it does not get back.
 */
const ADMISSION_PROPOSER = new Uint8Array(20);

/**
 * The pending state of mempool admission: the committed state plus, applied in nonce order, the
 * earlier pending transactions of the senders checked against it. Nothing reaches the committed state.
 */
export function pendingState(state: ChainState): StateOverlay {
  return new StateOverlay(state);
}

/**
 * Runs every check block execution runs for `vtx` (the stateful half; `verifyTxBytes` is the
 * stateless one) against `pending` as the next block would see it (height = committed height + 1),
 * and applies the transaction to `pending` when it passes. Throws the VmError applyBlock would give
 * (`buildBlock` would leave the transaction out with the same code), leaving `pending` unchanged.
 * The end-of-block tick does not run here: a transaction that waits for it is refused until it has run.
 */
export function checkTxAgainst(pending: StateOverlay, vtx: VerifiedTx): void {
  const { base } = pending;
  executeTx(pending, vtx, base.params, base.height + 1n, 0, ADMISSION_PROPOSER);
}
