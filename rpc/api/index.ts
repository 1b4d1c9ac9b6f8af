// The node's JSON-RPC API declared once: method table, result shapes and topics.
export { typed, req, opt, method, implement, type TypedSchema, type ParamDef, type MethodDef, type MethodTable, type Handlers, type PositionalParams, type NamedParams, type NamedCallParams, type CallParams } from './define.ts';
export type { Repr, Wire, Native } from './wire.ts';
export { addressSchema, jobIdSchema } from './params.ts';
export { CHAIN_METHODS, type ChainResults } from './chain-methods.ts';
export {
  HISTORY_METHODS, HISTORY_SCAN_BLOCKS, HISTORY_SCAN_TXS, HISTORY_LIMIT_MAX, HISTORY_LIMIT_DEFAULT, ACTIVITY_BLOCKS_MAX, ACTIVITY_BLOCKS_DEFAULT,
  type HistoryResults, type HistoryItemJson, type AccountHistoryJson, type ValidatorActivityJson, type ValidatorListJson,
} from './history-methods.ts';
export { JOB_METHODS, JOB_LIST_MAX, JOB_LIST_DEFAULT, type JobResults } from './job-methods.ts';
export { NEW_HEADS_TOPIC, JOBS_TOPIC, DISPUTES_TOPIC, TOPICS, type TopicData } from './topics.ts';
export {
  RPC_METHODS, type RpcMethodName, type RpcResults, type RpcResult, type RpcHandlerResult, type RpcNamedParams, type RpcCallName, type RpcCallParams, type RpcCallResult,
  type ClientApi, type BuiltinApi, type NodeApi, type UntypedApi,
} from './api.ts';
export type {
  BlockHeaderJson, BlockJson, TxJson, TxPayloadJson, CommittedTxJson, EventJson, ReceiptJson, CommitJson, AccountJson, AccountStateJson, UnbondingJson,
  ValidatorJson, StateProofJson, NodeStatusJson, ConsensusStatusJson, PeerJson, SyncingJson, ValidatorSetJson, JobWindowsJson, VerifierStatsJson, VerifierScheduleJson, VerifierTaskJson,
  DisputeTermsJson,
} from './chain-json.ts';
export {
  JOB_STATUS_NAMES, JOB_OUTCOME_NAMES, JOB_VERDICT_NAMES,
  type JobStatusName, type JobOutcomeName, type JobVerdictName, type OptimizerJson, type SpecSummaryJson, type JobTermsJson, type JobCommitmentJson, type JobJson, type JobAtHeightJson,
  type JobSummaryJson, type JobListJson, type JobTraceJson, type AttestationMemberJson, type JobAttestationsJson, type JobModelJson, type JobUpdateJson,
} from './job-json.ts';
export {
  DISPUTE_KIND_NAMES, DISPUTE_STAGE_NAMES, DISPUTE_WINNER_NAMES, DISPUTE_EVENT_NAMES,
  type DisputeKindName, type DisputeStageName, type DisputeWinnerName, type DisputeEventName, type StateSupplyJson, type DisputeSummaryJson,
  type DisputeJson, type DaDemandJson, type DisputeUpdateJson,
} from './dispute-json.ts';
export { type SchemaType, type Same } from './shape.ts';
export { LOSS_POINT_STATUS_NAMES, LOSS_CURVE_MAX_POINTS, type LossPointStatus, type LossPointJson, type LossCurveJson } from './loss-json.ts';
