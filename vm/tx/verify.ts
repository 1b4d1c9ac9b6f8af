
import { VmError } from '../errors.ts';
import type { VerifiedTx } from '../types/index.ts';
import { decodeTx, withTxSigningBytes } from './codec.ts';
import { checkJobTerms } from '../jobs/terms.ts';
import { checkBlsPop } from './bls-pop.ts';
import { sha256, verify, addressFromPublicKey } from '../../primitives/index.ts';

/**
 * Every check that needs no state: size, canonical shape, chain id, positive amounts, job terms,
 * signature, a stake's BLS key and proof of possession. The mempool and block execution both call
 * this, so a transaction is judged by one rule set.
 * `hash` may be passed when the caller already computed SHA-256(bytes), so it is not computed twice.
 */
export function verifyTxBytes(bytes: Uint8Array, chainId: string, maxTxBytes: number, hash?: Uint8Array): VerifiedTx {
  const tx = decodeTx(bytes, maxTxBytes);
  if (tx.body.chainId !== chainId) {
    throw new VmError('TX_WRONG_CHAIN', `transaction is for chain "${tx.body.chainId}", this is "${chainId}"`);
  }
  tx.body.chainId = chainId; // equal: keep the one shared string, not a decoded copy per pending transaction
  const p = tx.body.payload;
  if ((p.kind === 'transfer' || p.kind === 'stake' || p.kind === 'unbond') && p.amount === 0n) {
    throw new VmError('TX_ZERO_AMOUNT', `${p.kind} amount must be positive`);
  }
  if (p.kind === 'job-submit') checkJobTerms(p.terms);
  if (!withTxSigningBytes(tx.body, (m) => verify(tx.publicKey, m, tx.signature))) {
    throw new VmError('TX_BAD_SIGNATURE', 'signature does not verify against the public key (strict RFC 8032)');
  }
  const sender = addressFromPublicKey(tx.publicKey);
  // after the ed25519 check: a BLS pairing costs far more, and only a signed stake may spend it
  if (p.kind === 'stake') checkBlsPop(chainId, sender, p.blsKey, p.blsPop);
  return { tx, bytes, hash: hash ?? sha256(bytes), sender };
}
