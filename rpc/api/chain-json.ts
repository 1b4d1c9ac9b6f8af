// JSON shapes of chain objects in results and notifications (docs/rpc.md): addresses are bech32m
// `pol1...` strings; bytes and big integers follow the representation W (see wire.ts).

import type { Repr, Wire } from './wire.ts';

export interface BlockHeaderJson<W extends Repr = Wire> {
  hash: W['bytes']; version: number; chainId: string; height: W['big']; timestampMs: W['big']; prevHash: W['bytes'];
  txRoot: W['bytes']; stateRoot: W['bytes']; receiptsRoot: W['bytes']; proposer: string;
  lastCommitHash: W['bytes']; evidenceHash: W['bytes']; validatorsHash: W['bytes']; beacon: W['bytes'];
  txCount: number; evidenceCount: number;
}

export interface JobWindowsJson { accept: number; commit: number; challengeDelay: number; open: number; attest: number; reveal: number }

/** Payload fields by kind; job specs are UTF-8 JSON shown as text, long lists by count. */
export type TxPayloadJson<W extends Repr = Wire> =
  | { kind: 'transfer'; to: string; amount: W['big'] }
  | { kind: 'stake'; consensusKey: W['bytes']; amount: W['big'] }
  | { kind: 'unbond'; amount: W['big'] }
  | {
    kind: 'job-submit'; spec: string; runtime: string; datasetRoot: W['bytes']; datasetSize: number; q: number; committeeSize: number;
    windows: JobWindowsJson; solverStake: W['big']; bounty: W['big']; attestReward: W['big']; parent: W['bytes'] | null;
  }
  | { kind: 'job-accept'; jobId: W['bytes']; daPeer: string; daAddrs: string[] }
  | { kind: 'trace-commit'; jobId: W['bytes']; traceRoot: W['bytes']; checkpointsRoot: W['bytes']; finalChunkRoot: W['bytes']; finalStepHash: W['bytes'] }
  | { kind: 'job-open'; jobId: W['bytes']; openings: Array<{ index: number; chunkRoot: W['bytes']; stepHash: W['bytes']; siblings: number }> }
  | { kind: 'job-attest'; jobId: W['bytes']; digest: W['bytes'] }
  | { kind: 'job-reveal'; jobId: W['bytes']; items: Array<{ from: number; hashes: W['bytes'][]; siblings: number }> };

export type TxJson<W extends Repr = Wire> = { chainId: string; nonce: W['big']; fee: W['big'] } & TxPayloadJson<W>
  & { sender: string; publicKey: W['bytes']; signature: W['bytes'] };

/** chain_getBlock: the header, and the transactions as hashes or (full=true) decoded with their hash. */
export type BlockJson<W extends Repr = Wire> = BlockHeaderJson<W> & {
  txs: Array<W['bytes'] | ({ hash: W['bytes'] } & TxJson<W>)>;
  blockEvents: number;
};

export type CommittedTxJson<W extends Repr = Wire> = { hash: W['bytes']; height: W['big']; index: number } & TxJson<W>;

export interface EventJson<W extends Repr = Wire> { kind: string; address: string; counterparty: string | null; amount: W['big'] }

export interface ReceiptJson<W extends Repr = Wire> {
  txHash: W['bytes']; height: W['big']; index: number; sender: string; fee: W['big']; status: 'ok'; events: EventJson<W>[];
}

export interface CommitJson<W extends Repr = Wire> {
  height: W['big']; blockHash: W['bytes']; signatures: Array<{ validator: string; signature: W['bytes'] }>;
}

export interface AccountJson<W extends Repr = Wire> { address: string; balance: W['big']; nonce: W['big'] }

export interface ValidatorJson<W extends Repr = Wire> {
  address: string; consensusKey: W['bytes']; blsKey: W['bytes']; stake: W['big']; jailed: boolean;
}

/** Stake on its way back to the balance: released at the start of block completionHeight. */
export interface UnbondingJson<W extends Repr = Wire> { amount: W['big']; completionHeight: W['big'] }

/** account_get: the account, its next nonce counting pending transactions, its validator record and its unbonding entries. */
export type AccountStateJson<W extends Repr = Wire> = AccountJson<W> & {
  pendingNonce: W['big']; height: W['big']; validator: ValidatorJson<W> | null; unbonding: UnbondingJson<W>[];
};

export interface StateProofJson<W extends Repr = Wire> {
  address: string; height: W['big']; stateRoot: W['bytes']; key: W['bytes']; account: AccountJson<W> | null;
  accountBytes: W['bytes'] | null; valueHash: W['bytes'] | null;
  proof: { siblings: string[]; leaf: { key: string; valueHash: string } | null };
}

export interface ConsensusStatusJson<W extends Repr = Wire> {
  engine: string; height?: W['big']; round?: number; step?: string; lockedRound?: number; syncing: boolean; validators: number;
}

export interface NodeStatusJson<W extends Repr = Wire> {
  version: string; chainId: string; genesisHash: W['bytes']; height: W['big'];
  latestBlockHash: W['bytes']; latestTimestampMs: W['big']; stateRoot: W['bytes']; latestTxCount: number;
  mempool: { size: number; bytes: number };
  validator: string | null;
  consensus: ConsensusStatusJson<W>;
  params: { maxTxBytes: number; maxBlockTxs: number; minFee: W['big']; minStake: W['big'] };
  /** Job verification counters of this validator's verifier (null when it does not verify). */
  verifier: unknown;
}

export interface PeerJson { peerId: string; addrs: string[]; score: number; direction: string }

export interface SyncingJson<W extends Repr = Wire> { syncing: boolean; height: W['big'] }

export interface ValidatorSetJson<W extends Repr = Wire> { height: W['big']; validators: ValidatorJson<W>[]; totalStake: W['big'] }
