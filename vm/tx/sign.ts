
import type { SignedTx, TxBody } from '../types/index.ts';
import { encodeTx, txSigningBytes } from './codec.ts';
import { sign, publicKeyFromSeed } from '../../primitives/index.ts';

export function signTx(body: TxBody, seed: Uint8Array): SignedTx {
  return { body, publicKey: publicKeyFromSeed(seed), signature: sign(seed, txSigningBytes(body)) };
}

export function signTxBytes(body: TxBody, seed: Uint8Array): Uint8Array {
  return encodeTx(signTx(body, seed));
}
