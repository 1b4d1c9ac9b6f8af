export { encodeTx, decodeTx, txSigningBytes, TX_VERSION } from './codec.ts';
export { verifyTxBytes } from './verify.ts';
export { signTx, signTxBytes } from './sign.ts';
