// JSON shapes of chain objects in results and notifications (docs/rpc.md): addresses are bech32m
// `pol1...` strings; bytes and big integers follow the representation W (see wire.ts). Each shape's
// JSON schema (UPPER_CASE) sits under its interface; define.test.ts checks at compile time that each
// schema admits exactly the interface's wire form.

import type { Repr, Wire } from './wire.ts';
import { typed, type TypedSchema } from './define.ts';
import { address, array, big, bool, bytes, hash, int, literal, nullable, num, object, oneOf, oneOfStrings, str } from './shape.ts';

export interface BlockHeaderJson<W extends Repr = Wire> {
  hash: W['bytes']; version: number; chainId: string; height: W['big']; timestampMs: W['big']; prevHash: W['bytes'];
  txRoot: W['bytes']; stateRoot: W['bytes']; receiptsRoot: W['bytes']; proposer: string;
  lastCommitHash: W['bytes']; evidenceHash: W['bytes']; validatorsHash: W['bytes']; beacon: W['bytes'];
  txCount: number; evidenceCount: number;
}
const HEADER_PROPS = {
  hash: hash(), version: int(), chainId: str(), height: big(), timestampMs: big(), prevHash: bytes(), txRoot: hash(), stateRoot: hash(),
  receiptsRoot: hash(), proposer: address(), lastCommitHash: bytes(), evidenceHash: bytes(), validatorsHash: bytes(), beacon: bytes(),
  txCount: int(), evidenceCount: int(),
};
export const BLOCK_HEADER = object(HEADER_PROPS);

export interface JobWindowsJson { accept: number; commit: number; challengeDelay: number; open: number; attest: number; reveal: number }
export const JOB_WINDOWS = object({ accept: int(), commit: int(), challengeDelay: int(), open: int(), attest: int(), reveal: int() }, [], 'window lengths in blocks');

/** The dispute game's terms of a job (docs/disputes.md §2). */
export interface DisputeTermsJson<W extends Repr = Wire> {
  window: number; move: number; bond: W['big']; demandFee: W['big']; maxStateBytes: number; maxStepCost: number;
}
export const DISPUTE_TERMS = object({
  window: int('blocks after the verdict in which anyone may dispute or demand chunks'), move: int('blocks each party has for each move'),
  bond: big('what a disputer bonds'), demandFee: big('what an availability demand costs'),
  maxStateBytes: int('the largest state the referee accepts for this job'), maxStepCost: int("one step's multiply-adds the referee accepts for this job"),
}, [], "the dispute game's terms");

/** Payload fields by kind; job specs are UTF-8 JSON shown as text, long lists by count. */
export type TxPayloadJson<W extends Repr = Wire> =
  | { kind: 'transfer'; to: string; amount: W['big'] }
  | { kind: 'stake'; consensusKey: W['bytes']; blsKey: W['bytes']; amount: W['big']; blsPop: W['bytes'] }
  | { kind: 'unbond'; amount: W['big'] }
  | {
    kind: 'job-submit'; spec: string; runtime: string; datasetRoot: W['bytes']; datasetSize: number; q: number; committeeSize: number;
    windows: JobWindowsJson; solverStake: W['big']; bounty: W['big']; attestReward: W['big']; parent: W['bytes'] | null; dispute: DisputeTermsJson<W>;
  }
  | { kind: 'job-accept'; jobId: W['bytes']; daPeer: string; daAddrs: string[] }
  | { kind: 'trace-commit'; jobId: W['bytes']; traceRoot: W['bytes']; checkpointsRoot: W['bytes']; finalChunkRoot: W['bytes']; finalStepHash: W['bytes']; lossRoot?: W['bytes'] }
  | { kind: 'job-open'; jobId: W['bytes']; openings: Array<{ index: number; chunkRoot: W['bytes']; stepHash: W['bytes']; siblings: number }> }
  | { kind: 'job-attest'; jobId: W['bytes']; digest: W['bytes'] }
  | { kind: 'job-reveal'; jobId: W['bytes']; items: Array<{ from: number; hashes: W['bytes'][]; siblings: number; losses?: number }> }
  // disputes (docs/disputes.md §3.2): state and sample bytes are shown by their length, proofs by their sibling count
  | { kind: 'dispute-open'; jobId: W['bytes']; target: 'solver' | 'attestation'; segment: number; member: string | null; hashes: W['bytes'][] }
  | { kind: 'dispute-respond'; jobId: W['bytes']; dispute: number; hashes: W['bytes'][]; siblings: number; losses?: number }
  | { kind: 'state-supply'; jobId: W['bytes']; dispute: number; offset: number; total: number; length: number }
  | { kind: 'sample-supply'; jobId: W['bytes']; dispute: number; items: Array<{ index: number; length: number; siblings: number }> }
  | { kind: 'da-demand'; jobId: W['bytes']; checkpoint: number; chunk: number }
  | {
    kind: 'da-chunk'; jobId: W['bytes']; checkpoint: number; chunkRoot: W['bytes']; stepHash: W['bytes']; checkpointSiblings: number;
    chunk: number; length: number; chunkSiblings: number;
  }
  | {
    kind: 'job-diverge'; jobId: W['bytes']; step: number; traceRoot: W['bytes']; checkpointsRoot: W['bytes']; finalChunkRoot: W['bytes']; finalStepHash: W['bytes'];
  };

export type TxJson<W extends Repr = Wire> = { chainId: string; nonce: W['big']; fee: W['big'] } & TxPayloadJson<W>
  & { sender: string; publicKey: W['bytes']; signature: W['bytes'] };

const TX_HEAD = { chainId: str(), nonce: big(), fee: big() };
const TX_TAIL = { sender: address(), publicKey: bytes(), signature: bytes() };
/** A decoded transaction with the fields `extra` adds (its hash, its block position): one alternative per payload kind. */
function txWith<E extends Record<string, TypedSchema<unknown>>>(extra: E) {
  const jobId = hash('job id');
  return oneOf(
    object({ ...extra, ...TX_HEAD, kind: literal('transfer'), to: address(), amount: big(), ...TX_TAIL }),
    object({ ...extra, ...TX_HEAD, kind: literal('stake'), consensusKey: bytes(), blsKey: bytes(), amount: big(), blsPop: bytes(), ...TX_TAIL }),
    object({ ...extra, ...TX_HEAD, kind: literal('unbond'), amount: big(), ...TX_TAIL }),
    object({
      ...extra, ...TX_HEAD, kind: literal('job-submit'), spec: str('canonical spec JSON'), runtime: str(), datasetRoot: hash(), datasetSize: int(), q: int(),
      committeeSize: int(), windows: JOB_WINDOWS, solverStake: big(), bounty: big(), attestReward: big(), parent: nullable(hash()), dispute: DISPUTE_TERMS,
      ...TX_TAIL,
    }),
    object({ ...extra, ...TX_HEAD, kind: literal('job-accept'), jobId, daPeer: str(), daAddrs: array(str()), ...TX_TAIL }),
    object({
      ...extra, ...TX_HEAD, kind: literal('trace-commit'), jobId, traceRoot: hash(), checkpointsRoot: hash(), finalChunkRoot: hash(), finalStepHash: hash(),
      lossRoot: hash('tx version 2 only: the loss root (docs/jobs.md §1.1)'), ...TX_TAIL,
    }, ['lossRoot']),
    object({
      ...extra, ...TX_HEAD, kind: literal('job-open'), jobId,
      openings: array(object({ index: int(), chunkRoot: hash(), stepHash: hash(), siblings: int('count of Merkle siblings') })), ...TX_TAIL,
    }),
    object({ ...extra, ...TX_HEAD, kind: literal('job-attest'), jobId, digest: hash(), ...TX_TAIL }),
    object({
      ...extra, ...TX_HEAD, kind: literal('job-reveal'), jobId,
      items: array(object({ from: int(), hashes: array(hash()), siblings: int('count of Merkle siblings'), losses: int('tx version 2 only: the losses of the item\'s loss leaf') }, ['losses'])), ...TX_TAIL,
    }),
    object({
      ...extra, ...TX_HEAD, kind: literal('dispute-open'), jobId, target: oneOfStrings(['solver', 'attestation'] as const, 'who is disputed'),
      segment: int('the disputed segment (target solver; 0 otherwise)'), member: nullable(address('the disputed committee member (target attestation)')),
      hashes: array(hash(), "the disputer's h_from..h_to of the segment (target solver)"), ...TX_TAIL,
    }),
    object({
      ...extra, ...TX_HEAD, kind: literal('dispute-respond'), jobId, dispute: int('index in the job\'s disputes'),
      hashes: array(hash(), "the solver's segment hashes, or the member's digest preimage"), siblings: int('count of Merkle siblings'),
      losses: int('tx version 2 only: the losses of the solver\'s loss leaf (a segment dispute of a loss-committed job)'), ...TX_TAIL,
    }, ['losses']),
    object({
      ...extra, ...TX_HEAD, kind: literal('state-supply'), jobId, dispute: int(), offset: int(), total: int('the full state length in bytes'),
      length: int('bytes in this piece (not shown)'), ...TX_TAIL,
    }),
    object({
      ...extra, ...TX_HEAD, kind: literal('sample-supply'), jobId, dispute: int(),
      items: array(object({ index: int('sample index'), length: int('bytes of the sample encoding (not shown)'), siblings: int('count of Merkle siblings') })), ...TX_TAIL,
    }),
    object({ ...extra, ...TX_HEAD, kind: literal('da-demand'), jobId, checkpoint: int(), chunk: int(), ...TX_TAIL }),
    object({
      ...extra, ...TX_HEAD, kind: literal('da-chunk'), jobId, checkpoint: int(), chunkRoot: hash(), stepHash: hash(), checkpointSiblings: int('count of Merkle siblings'),
      chunk: int(), length: int('bytes of the chunk (not shown)'), chunkSiblings: int('count of Merkle siblings'), ...TX_TAIL,
    }),
    object({
      ...extra, ...TX_HEAD, kind: literal('job-diverge'), jobId, step: int('t: the solver commits h_0..h_t and claims step t is non-finite'),
      traceRoot: hash(), checkpointsRoot: hash(), finalChunkRoot: hash(), finalStepHash: hash(), ...TX_TAIL,
    }),
  );
}

/** chain_getBlock: the header, and the transactions as hashes or (full=true) decoded with their hash. */
export type BlockJson<W extends Repr = Wire> = BlockHeaderJson<W> & {
  txs: Array<W['bytes'] | ({ hash: W['bytes'] } & TxJson<W>)>;
  blockEvents: number;
};
export const BLOCK = object({
  ...HEADER_PROPS, txs: array(oneOf(hash('transaction hash'), txWith({ hash: hash() })), 'transaction hashes, or (full=true) decoded transactions'),
  blockEvents: int('count of block-level events'),
});

export type CommittedTxJson<W extends Repr = Wire> = { hash: W['bytes']; height: W['big']; index: number } & TxJson<W>;
export const COMMITTED_TX = txWith({ hash: hash(), height: big(), index: int() });

export interface EventJson<W extends Repr = Wire> { kind: string; address: string; counterparty: string | null; amount: W['big'] }
export const EVENT = object({ kind: str('transfer, fee, stake, unbond, job_escrow, ..., dispute_bond, dispute_award (docs/rpc.md)'), address: address(), counterparty: nullable(address()), amount: big() });

export interface ReceiptJson<W extends Repr = Wire> {
  txHash: W['bytes']; height: W['big']; index: number; sender: string; fee: W['big']; status: 'ok'; events: EventJson<W>[];
}
export const RECEIPT = object({ txHash: hash(), height: big(), index: int(), sender: address(), fee: big(), status: literal('ok'), events: array(EVENT) });

export interface CommitJson<W extends Repr = Wire> {
  height: W['big']; blockHash: W['bytes']; signatures: Array<{ validator: string; signature: W['bytes'] }>;
}
export const COMMIT = object({ height: big(), blockHash: hash(), signatures: array(object({ validator: address(), signature: bytes() })) });

export interface AccountJson<W extends Repr = Wire> { address: string; balance: W['big']; nonce: W['big'] }
const ACCOUNT_PROPS = { address: address(), balance: big(), nonce: big() };
export const ACCOUNT = object(ACCOUNT_PROPS);

export interface ValidatorJson<W extends Repr = Wire> {
  address: string; consensusKey: W['bytes']; blsKey: W['bytes']; stake: W['big']; jailed: boolean;
}
export const VALIDATOR_PROPS = { address: address(), consensusKey: bytes(), blsKey: bytes(), stake: big(), jailed: bool() };
export const VALIDATOR = object(VALIDATOR_PROPS);

/** Stake on its way back to the balance: released at the start of block completionHeight. */
export interface UnbondingJson<W extends Repr = Wire> { amount: W['big']; completionHeight: W['big'] }
export const UNBONDING = object({ amount: big(), completionHeight: big('the block at whose start the amount returns to the balance') });

/** account_get: the account, its next nonce counting pending transactions, its validator record and its unbonding entries. */
export type AccountStateJson<W extends Repr = Wire> = AccountJson<W> & {
  pendingNonce: W['big']; height: W['big']; validator: ValidatorJson<W> | null; unbonding: UnbondingJson<W>[];
};
export const ACCOUNT_STATE = object({
  ...ACCOUNT_PROPS, pendingNonce: big('the next nonce counting pending transactions'), height: big(), validator: nullable(VALIDATOR),
  unbonding: array(UNBONDING, 'stake returning to the balance, oldest first'),
});

export interface StateProofJson<W extends Repr = Wire> {
  address: string; height: W['big']; stateRoot: W['bytes']; key: W['bytes']; account: AccountJson<W> | null;
  accountBytes: W['bytes'] | null; valueHash: W['bytes'] | null;
  proof: { siblings: string[]; leaf: { key: string; valueHash: string } | null };
}
const SMT_HASH = typed<string>({ type: 'string', pattern: '^[0-9a-f]{64}$', description: '32-byte hash as lowercase hex without 0x (the vm\'s SmtProofJson form)' });
export const STATE_PROOF = object({
  address: address(), height: big(), stateRoot: hash(), key: hash(), account: nullable(ACCOUNT), accountBytes: nullable(bytes()), valueHash: nullable(hash()),
  // the proof is the vm's SmtProofJson, which decodeSmtProof reads: its hashes are hex without 0x
  proof: object({ siblings: array(SMT_HASH), leaf: nullable(object({ key: SMT_HASH, valueHash: SMT_HASH })) }, [], 'verify with decodeSmtProof and verifySmtProof'),
});

export interface ConsensusStatusJson<W extends Repr = Wire> {
  engine: string; height?: W['big']; round?: number; step?: string; lockedRound?: number; syncing: boolean; validators: number;
}
export const CONSENSUS_STATUS = object(
  { engine: str(), height: big(), round: int(), step: str(), lockedRound: int(), syncing: bool(), validators: int() },
  ['height', 'round', 'step', 'lockedRound'],
);

/** One verification task of a validator's verifier (heights as numbers). */
export interface VerifierTaskJson {
  job: string; draws: number; deadline: number; phase: 'queued' | 'fetching' | 'waiting-cpu' | 'replaying' | 'submitting' | 'done';
  fetchAttempts: number; fetchStopAt: number | null; stopAt: number | null; budgetBlocks: number;
  decision: 'attested' | 'unavailable' | 'skipped-late' | 'cancelled' | 'failed' | null; reason: string | null; decidedAt: number | null;
}
export const VERIFIER_TASK = object({
  job: str('job id, 0x-prefixed hex'), draws: int('the committee draw the task attests for (1: the first committee)'),
  deadline: int('the attest deadline: the last height the attestation may land at'),
  phase: oneOfStrings(['queued', 'fetching', 'waiting-cpu', 'replaying', 'submitting', 'done'] as const),
  fetchAttempts: int('tries at the solver\'s data, retries included'),
  fetchStopAt: nullable(int('the height at which fetching gives up (UNAVAILABLE after an availability demand); null before the task starts')),
  stopAt: nullable(int('the height at which the task gives up altogether: the deadline less the blocks kept to include the attestation')),
  budgetBlocks: int('blocks left before the current phase must end'),
  decision: nullable(oneOfStrings(['attested', 'unavailable', 'skipped-late', 'cancelled', 'failed'] as const)),
  reason: nullable(str('why, for unavailable, skipped-late, cancelled and failed')),
  decidedAt: nullable(int('the height at which the task ended')),
});

/** The verifier's schedule: several tasks at once, replays sharing CPU slots, earliest deadline first. */
export interface VerifierScheduleJson {
  replaySlots: number; replaysRunning: number; replaysWaiting: number; maxTasks: number; tasks: VerifierTaskJson[]; recent: VerifierTaskJson[];
}
export const VERIFIER_SCHEDULE = object({
  replaySlots: int('replays allowed at once, each on its own worker thread'), replaysRunning: int(), replaysWaiting: int('replays waiting for a CPU slot'),
  maxTasks: int('tasks allowed at once'), tasks: array(VERIFIER_TASK, 'queued and running tasks, earliest deadline first'),
  recent: array(VERIFIER_TASK, 'the latest decided tasks, newest first'),
});

/** Job verification counters and schedule of a validator's verifier. */
export interface VerifierStatsJson {
  verified: number; unavailable: number; failed: number; disagreed: number; lastCpuMs: number; bytesFetched: number; demanded: number; queued: number; running: string | null;
  scheduler: VerifierScheduleJson;
}
export const VERIFIER_STATS = object({
  verified: int(), unavailable: int(), failed: int(), disagreed: int(), lastCpuMs: num(), bytesFetched: int(),
  demanded: int('checkpoint chunks demanded on chain after fetching them failed'), queued: int('tasks waiting for a task slot'),
  running: nullable(str('id of the running task with the earliest deadline')), scheduler: VERIFIER_SCHEDULE,
});

export interface NodeStatusJson<W extends Repr = Wire> {
  version: string; chainId: string; genesisHash: W['bytes']; height: W['big'];
  latestBlockHash: W['bytes']; latestTimestampMs: W['big']; stateRoot: W['bytes']; latestTxCount: number;
  mempool: { size: number; bytes: number; expired: number; evicted: number };
  validator: string | null;
  consensus: ConsensusStatusJson<W>;
  params: { maxTxBytes: number; maxBlockTxs: number; minFee: W['big']; minStake: W['big'] };
  /** Job verification counters of this validator's verifier (null when it does not verify). */
  verifier: VerifierStatsJson | null;
}
export const NODE_STATUS = object({
  version: str(), chainId: str(), genesisHash: hash(), height: big(), latestBlockHash: bytes(), latestTimestampMs: big(), stateRoot: hash(),
  latestTxCount: int(), mempool: object({ size: int(), bytes: int(), expired: int(), evicted: int() }), validator: nullable(address()), consensus: CONSENSUS_STATUS,
  params: object({ maxTxBytes: int(), maxBlockTxs: int(), minFee: big(), minStake: big() }),
  verifier: nullable(VERIFIER_STATS),
});

export interface PeerJson { peerId: string; addrs: string[]; score: number; direction: string }
export const PEER = object({ peerId: str(), addrs: array(str('multiaddr')), score: num('application score'), direction: str() });

export interface SyncingJson<W extends Repr = Wire> { syncing: boolean; height: W['big'] }
export const SYNCING = object({ syncing: bool(), height: big() });

export interface ValidatorSetJson<W extends Repr = Wire> { height: W['big']; validators: ValidatorJson<W>[]; totalStake: W['big'] }
export const VALIDATOR_SET = object({ height: big(), validators: array(VALIDATOR), totalStake: big() });
