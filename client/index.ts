// `polchain/client`: what another TypeScript project imports to talk to a polchain node (the
// package export in package.json; docs/rpc.md "Using the client from another project"). The
// client is typed from the one method table (rpc/api): `call('account_get', [addr])` knows its
// params and its result. Wallets sign here, with the chain's own transaction codec, so a transfer
// signed by a consumer is byte for byte what the node verifies.
import { encodeTx, signTx, type TxBody } from '../vm/index.ts';
import { bytesToHex, hexToBytes, sha256 } from '../primitives/index.ts';

export {
  RpcClient, RpcClientError, RpcTransportError, isRetryableRpcError, errorCodeName,
  NOT_FOUND, TX_REJECTED, MEMPOOL_FULL, NOT_READY, LIMIT_EXCEEDED, UNSUPPORTED, INVALID_PARAMS, METHOD_NOT_FOUND,
  RPC_METHODS, TOPICS, NEW_HEADS_TOPIC, JOBS_TOPIC, DISPUTES_TOPIC, JOB_STATUS_NAMES, JOB_OUTCOME_NAMES, JOB_VERDICT_NAMES,
  type RpcClientOptions, type BatchCall, type BatchResult, type NodeApi, type RpcMethodName, type RpcResult, type RpcCallParams,
  type RpcCallResult, type TopicData, type BlockHeaderJson, type BlockJson, type TxJson, type CommittedTxJson, type ReceiptJson,
  type AccountStateJson, type ValidatorJson, type NodeStatusJson, type JobJson, type JobAtHeightJson, type JobListJson,
  type JobUpdateJson, type DisputeUpdateJson, type HealthStatus,
} from '../rpc/index.ts';
export { signTx, encodeTx, decodeTx, type TxBody, type TxPayload, type SignedTx } from '../vm/index.ts';
export {
  publicKeyFromSeed, addressFromPublicKey, encodeAddress, decodeAddress, isAddress, bytesToHex, hexToBytes, sha256,
} from '../primitives/index.ts';

/** A signed transaction as `tx_submit` takes it, with the hash the node will answer and index it by. */
export interface SignedTxHex {
  /** canonical transaction bytes, 0x-hex: the `tx` param of `tx_submit` */
  tx: string;
  /** sha256 of those bytes, 0x-hex: the key of `tx_getReceipt` and `chain_getTx` */
  hash: string;
}

/** Signs a transaction body with a 32-byte ed25519 seed and encodes it for `tx_submit`. */
export function signForSubmit(body: TxBody, seed: Uint8Array | string): SignedTxHex {
  const key = typeof seed === 'string' ? hexToBytes(seed.startsWith('0x') ? seed.slice(2) : seed) : seed;
  const raw = encodeTx(signTx(body, key));
  return { tx: `0x${bytesToHex(raw)}`, hash: `0x${bytesToHex(sha256(raw))}` };
}
