// Public surface of the node's proof-of-learning job machinery: the solver's artifact store, data
// availability over libp2p (checkpoint chunks, datasets by root), local datasets by root, and
// replay / attestation off the event loop. Wire formats: docs/da.md; protocol: docs/jobs.md.
export { JobsError, isJobsError, type JobsErrorCode } from './errors.ts';
export {
  SolverArtifacts, ArtifactWriter, jobDir,
  type ArtifactsInit, type CheckpointRecord, type RunRecord, type TraceCommitment,
} from './artifacts.ts';
export { layoutOfSpec, encodedLengthOf, chunkCountOf, initialStateFromParent } from './state-layout.ts';
export {
  JOB_CHUNK_PROTOCOL, JOB_CHECKPOINT_PROTOCOL, JOB_TRACE_PROTOCOL, DATASET_PROTOCOL, DA_LIMITS,
  encodeChunkRequest, decodeChunkRequest, encodeChunkResponse, decodeChunkResponse,
  encodeCheckpointLeafRequest, decodeCheckpointLeafRequest, encodeCheckpointLeafResponse, decodeCheckpointLeafResponse,
  encodeTraceRangeRequest, decodeTraceRangeRequest, encodeTraceRangeResponse, decodeTraceRangeResponse,
  encodeDatasetRequest, decodeDatasetRequest, encodeDatasetResponse, decodeDatasetResponse,
  type ChunkRequest, type ChunkResponse, type CheckpointLeafRequest, type CheckpointLeafResponse, type TraceRangeRequest, type TraceRangeResponse,
  type DatasetRequest, type SampleItem,
} from './da-wire.ts';
export {
  fetchCheckpointLeaf, fetchTraceRange, registerProofServers,
  type CheckpointLeaf, type FetchCheckpointLeafOptions, type FetchTraceRangeOptions, type ProofSource, type ProofSourceLookup,
} from './da-proofs.ts';
export { DA_PENALTY, connectDaPeer, type DaPeer } from './da-peer.ts';
export {
  registerJobChunkServer, fetchCheckpointState,
  type ChunkSource, type ChunkSourceLookup, type ChunkServerOptions, type ChunkAccess, type CheckpointOpening, type FetchCheckpointOptions, type FetchedCheckpoint,
} from './da.ts';
export {
  registerDatasetServer, fetchDataset,
  type DatasetSource, type DatasetServerOptions, type FetchDatasetOptions,
} from './dataset-da.ts';
export { DatasetRegistry } from './datasets.ts';
export { DatasetStore, type StoredDatasetInfo } from './dataset-store.ts';
export { JOB_LOSS_PROTOCOL, fetchLossVector, checkLossVector, lossRootOfBits, type FetchLossOptions, type LossSource } from './loss-da.ts';
export { LossCurveFile } from './loss-file.ts';
export { LossVectorCache } from './loss-cache.ts';
export {
  replaySegments,
  type ReplayInput, type ReplayOptions, type ReplayProgress, type ReplayResult, type ReplaySegmentInput,
} from './replay-worker.ts';
export { computeAttestation } from './attestation.ts';
export { signedSize, statePieces, batchSampleIndices, samplePayloads } from './dispute-moves.ts';
export { solverRespondPayload, daChunkPayload, solverStateAt, chunkFromDaTx } from './defence.ts';
export {
  DA_AUTH_DOMAIN, DA_AUTH_VALID_BLOCKS, DA_AUTH_MAX_BLOCKS, daAuthMessage, seedCredentials, signDaAuth, checkDaAuth, checkDaAuthFresh,
  type DaAuth, type DaCredentials,
} from './da-auth.ts';
export { daGrant, daFactsOfJob, type DaJobFacts, type DaGrant } from './da-access.ts';
