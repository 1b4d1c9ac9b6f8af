export { encodeTx, decodeTx, txSigningBytes, TX_VERSION } from './codec.ts';
export { verifyTxBytes } from './verify.ts';
export { signTx, signTxBytes } from './sign.ts';
export { signBlsPop, checkBlsPop, blsPopMessage, BLS_POP_DST, BLS_POP_LENGTH } from './bls-pop.ts';
