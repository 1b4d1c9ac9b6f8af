/** Transaction kinds. The numeric tag is part of the signed encoding: never renumber. */
export const TxKind = { Transfer: 1, Stake: 2, Unbond: 3 } as const;
export type TxKindTag = (typeof TxKind)[keyof typeof TxKind];

export interface TransferPayload {
  kind: 'transfer';
  to: Uint8Array; // 20-byte address
  amount: bigint;
}

/** Creates a validator for the sender or adds to its stake. */
export interface StakePayload {
  kind: 'stake';
  consensusKey: Uint8Array; // 32-byte ed25519 key the validator signs blocks and votes with
  blsKey: Uint8Array; // 48-byte BLS12-381 public key the validator signs the beacon with
  amount: bigint;
}

/** Moves stake into the unbonding queue; it returns to the balance after the unbonding period. */
export interface UnbondPayload {
  kind: 'unbond';
  amount: bigint;
}

export type TxPayload = TransferPayload | StakePayload | UnbondPayload;

export interface TxBody {
  chainId: string;
  nonce: bigint;
  fee: bigint;
  payload: TxPayload;
}

export interface SignedTx {
  body: TxBody;
  publicKey: Uint8Array; // 32-byte ed25519; the sender's address derives from it
  signature: Uint8Array; // 64 bytes over txSigningBytes(body)
}

/** A decoded, stateless-valid transaction with its derived fields cached. */
export interface VerifiedTx {
  tx: SignedTx;
  bytes: Uint8Array;
  hash: Uint8Array;
  sender: Uint8Array;
}
