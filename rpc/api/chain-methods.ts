// The chain half of the method table: blocks, transactions, accounts, proofs and node status.

import { MEMPOOL_FULL, NOT_FOUND, TX_REJECTED } from '../errors.ts';
import { method, opt, req, typed } from './define.ts';
import { addressSchema, blockTagSchema, bytesSchema, hashSchema } from './params.ts';
import {
  ACCOUNT_STATE, BLOCK, COMMIT, COMMITTED_TX, NODE_STATUS, PEER, RECEIPT, STATE_PROOF, SYNCING, VALIDATOR_SET,
  type AccountStateJson, type BlockJson, type CommitJson, type CommittedTxJson, type NodeStatusJson, type PeerJson, type ReceiptJson,
  type StateProofJson, type SyncingJson, type ValidatorSetJson,
} from './chain-json.ts';
import { array, hash, nullable, object } from './shape.ts';
import type { Repr, Wire } from './wire.ts';

export const CHAIN_METHODS = {
  node_status: method({ summary: 'Chain id, genesis hash, latest block, mempool and validator identity.', params: [], result: NODE_STATUS }),
  chain_getBlock: method({
    summary: 'A block by height, hash or "latest"; with full transactions when full=true.',
    params: [req('block', blockTagSchema), opt('full', typed<boolean>({ type: 'boolean' }))],
    result: BLOCK, errors: [NOT_FOUND],
  }),
  chain_getCommit: method({
    summary: 'The signatures that finalised the block at a height.', params: [req('block', blockTagSchema)], result: COMMIT, errors: [NOT_FOUND],
  }),
  chain_getTx: method({
    summary: 'A committed transaction by hash, with its block position.', params: [req('hash', hashSchema)], result: COMMITTED_TX, errors: [NOT_FOUND],
  }),
  tx_submit: method({
    summary: 'Submits a signed transaction (canonical bytes as 0x-hex); returns its hash once it is in the mempool.',
    params: [req('tx', bytesSchema)], result: object({ hash: hash('transaction hash') }), errors: [TX_REJECTED, MEMPOOL_FULL],
  }),
  tx_getReceipt: method({
    summary: 'The receipt of a committed transaction, or null while it is pending or unknown.',
    params: [req('hash', hashSchema)], result: nullable(RECEIPT),
  }),
  account_get: method({
    summary: 'Balance and nonce of an account at the latest block, the next nonce counting pending transactions, its validator record and unbonding entries.',
    params: [req('address', addressSchema)], result: ACCOUNT_STATE,
  }),
  state_getProof: method({
    summary: 'An account with a sparse Merkle proof (inclusion or non-inclusion) against the latest state root.',
    params: [req('address', addressSchema)], result: STATE_PROOF,
  }),
  net_peers: method({ summary: 'Connected libp2p peers with their addresses, application score and direction.', params: [], result: object({ peers: array(PEER) }) }),
  node_syncing: method({ summary: 'Whether the node is downloading blocks from peers, and its height.', params: [], result: SYNCING }),
  chain_getValidators: method({ summary: 'The active validator set at the latest block, ordered by address.', params: [], result: VALIDATOR_SET }),
};

/** What each chain method returns. */
export interface ChainResults<W extends Repr = Wire> {
  node_status: NodeStatusJson<W>;
  chain_getBlock: BlockJson<W>;
  chain_getCommit: CommitJson<W>;
  chain_getTx: CommittedTxJson<W>;
  tx_submit: { hash: W['bytes'] };
  tx_getReceipt: ReceiptJson<W> | null;
  account_get: AccountStateJson<W>;
  state_getProof: StateProofJson<W>;
  net_peers: { peers: PeerJson[] };
  node_syncing: SyncingJson<W>;
  chain_getValidators: ValidatorSetJson<W>;
}
