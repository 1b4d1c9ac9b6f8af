// Checkpoint data availability: a solver serves the chunks of its checkpoint states ('job-chunk'),
// a committee member fetches an opened checkpoint chunk by chunk and accepts it only when every
// chunk is proven under the opened chunk root and the whole state hashes to the opened step hash.
import { CHUNK_SIZE, MlError, checkpointSteps, decodeState, stepHash, verifyChunk, type ModelSpec, type StateLayout, type TrainState } from '../../ml-runtime/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { JobsError } from './errors.ts';
import { DA_PENALTY, connectDaPeer, daRequest, remoteError, runLanes, type DaPeer } from './da-peer.ts';
import {
  DA_LIMITS, JOB_CHUNK_PROTOCOL, decodeChunkRequest, decodeChunkResponse, encodeChunkRequest, encodeChunkResponse,
} from './da-wire.ts';
import { chunkCountOf, encodedLengthOf, layoutOfSpec } from './state-layout.ts';
import { registerProofServers, type ProofSource } from './da-proofs.ts';
import { equalBytes, bytesToHex, encodeAddress, errorMessage } from '../../primitives/index.ts';
import { checkDaAuth, checkDaAuthFresh, signDaAuth, type DaAuth, type DaCredentials } from './da-auth.ts';
import { daGrant, type DaJobFacts } from './da-access.ts';

/**
 * Anything that can hand out proven chunks of a job's checkpoints; SolverArtifacts is one. One that
 * can also prove checkpoint leaves and trace ranges (SolverArtifacts can) serves them on
 * 'job-checkpoint' and 'job-trace' (da-proofs.ts).
 */
export interface ChunkSource extends ProofSource {
  chunk(checkpointIndex: number, chunkIndex: number): Promise<{ chunk: Uint8Array; siblings: Uint8Array[] }>;
}

export type ChunkSourceLookup = (jobId: Uint8Array, peerId: string) => ChunkSource | undefined | Promise<ChunkSource | undefined>;

/**
 * How the server learns who may have a job's chunks: the job's facts from its node's chain view
 * (undefined when the chain does not know the job: nothing is served), or 'public', which serves
 * every checkpoint to anyone and is only for tests of the transport itself.
 */
export type ChunkAccess = {
  /**
   * `fresh`: the facts given a moment ago refused the request; a provider that caches reads the job
   * again (the job may have moved on: a member drawn, a demand landed, the job finalized).
   */
  facts(jobId: Uint8Array, fresh?: boolean): Promise<DaJobFacts | undefined> | DaJobFacts | undefined;
} | 'public';

export interface ChunkServerOptions {
  /** who may have which chunks (docs/da.md §2b) */
  access: ChunkAccess;
  /** server deadline per request (default 10 s) */
  timeoutMs?: number;
  /** concurrent inbound streams per connection (default 32) */
  maxInboundStreams?: number;
}

/**
 * Serves 'job-chunk' (and 'job-checkpoint' and 'job-trace', proofs under the committed roots,
 * da-proofs.ts) for the jobs `lookup` knows. Malformed requests cost the requester; unknown jobs answer DA_NOT_FOUND.
 */
export async function registerJobChunkServer(host: P2pHost, lookup: ChunkSourceLookup, opts: ChunkServerOptions): Promise<void> {
  await host.handle(
    JOB_CHUNK_PROTOCOL,
    async (req, peer) => {
      try {
        let r;
        let requester: Uint8Array | null = null;
        try {
          r = decodeChunkRequest(req);
          if (r.auth) requester = checkDaAuth(r.auth, host.chainId, r.jobId, peer);
        } catch (e) {
          host.adjustScore(peer, DA_PENALTY.badRequest, 'malformed job-chunk request or signature');
          throw e;
        }
        const src = await lookup(r.jobId, peer);
        if (src === undefined) throw new JobsError('DA_NOT_FOUND', `job ${bytesToHex(r.jobId)} is not served here`);
        if (opts.access !== 'public') await admit(opts.access, r.jobId, r.checkpointIndex, r.auth, requester);
        return encodeChunkResponse(await src.chunk(r.checkpointIndex, r.chunkIndex));
      } catch (e) {
        throw remoteError(e);
      }
    },
    {
      maxRequestBytes: DA_LIMITS.chunkRequestBytes,
      maxResponseBytes: DA_LIMITS.chunkResponseBytes,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.maxInboundStreams !== undefined ? { maxInboundStreams: opts.maxInboundStreams } : {}),
    },
  );
  await registerProofServers(host, lookup, opts);
}

/** DA_FORBIDDEN or DA_AUTH_INVALID (stale signature) unless the rule of da-access.ts grants the checkpoint. */
async function admit(access: Exclude<ChunkAccess, 'public'>, jobId: Uint8Array, checkpoint: number, auth: DaAuth | null, requester: Uint8Array | null): Promise<void> {
  const who = requester ? encodeAddress(requester) : null;
  let f = await access.facts(jobId);
  if (f === undefined || daGrant(f, checkpoint, who) === null) f = await access.facts(jobId, true);
  if (f === undefined) throw new JobsError('DA_FORBIDDEN', `job ${bytesToHex(jobId)} is not on this server's chain`);
  if (auth) checkDaAuthFresh(auth, f.height);
  if (daGrant(f, checkpoint, who) === null) {
    throw new JobsError('DA_FORBIDDEN', `${who ?? 'an anonymous requester'} may not have checkpoint ${checkpoint} of job ${bytesToHex(jobId)} now: `
      + (f.phase === 'running' ? 'not on its committee, no availability demand on it, no open dispute' : `the job has ended and only a finalized job's final checkpoint is public`));
  }
}

/** An opened checkpoint as it stands on chain (JobOpening). */
export interface CheckpointOpening {
  index: number;
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
}

export interface FetchCheckpointOptions {
  jobId: Uint8Array;
  opening: CheckpointOpening;
  /** the job's spec: gives the state layout and the checkpoint's step (min(index·k, T)) */
  spec?: ModelSpec;
  /** the state layout, when no spec is given (then only `step`, if given, is checked) */
  layout?: StateLayout;
  step?: number;
  signal?: AbortSignal;
  /** requests in flight (default 4, at most 16) */
  concurrency?: number;
  /** per request (default 10 s) */
  timeoutMs?: number;
  /** retries per chunk after a timeout or a dropped stream (default 2) */
  retries?: number;
  /** refuse states larger than this (default DA_LIMITS.maxStateBytes) */
  maxStateBytes?: number;
  onProgress?(chunksDone: number, chunksTotal: number): void;
  /**
   * Chunks already had from elsewhere (an earlier partial fetch, or posted on chain after an
   * availability demand), by index: only the others are requested. Each is checked under the
   * opened chunk root like a fetched one.
   */
  have?: ReadonlyArray<Uint8Array | undefined>;
  /** Called with each chunk once it is proven, so a caller can keep what arrived when the fetch as a whole fails. */
  onChunk?(index: number, chunk: Uint8Array): void;
  /**
   * The requester's account key and chain height: each request is signed with them (docs/da.md §2b).
   * Without them the request is anonymous and only a finalized job's final checkpoint is served.
   */
  credentials?: DaCredentials;
}

export interface FetchedCheckpoint {
  state: TrainState;
  /** the canonical encoding (what the replay worker takes) */
  bytes: Uint8Array;
  chunkCount: number;
}

/**
 * Fetches an opened checkpoint from the solver. Sizes come from the spec, never from the peer: the
 * buffer is allocated once at the exact encoded length and each chunk must have its exact size.
 * Throws DA_BAD_PROOF (and penalises the peer) when a chunk is not proven under the opened chunk
 * root, and DA_BAD_STATE when every chunk is proven but the data is not a state of the opening (a
 * chunk of another length, no decoding, another step or step hash): the peer served what was committed.
 */
export async function fetchCheckpointState(host: P2pHost, peer: DaPeer, opts: FetchCheckpointOptions): Promise<FetchedCheckpoint> {
  const { jobId, opening } = opts;
  if (!(jobId instanceof Uint8Array) || jobId.length !== 32) throw new JobsError('DA_BAD_REQUEST', 'job id must be 32 bytes');
  if (opening.chunkRoot?.length !== 32 || opening.stepHash?.length !== 32) throw new JobsError('DA_BAD_REQUEST', 'opening chunkRoot and stepHash must be 32 bytes');
  const layout = opts.layout ?? (opts.spec ? layoutOfSpec(opts.spec) : undefined);
  if (layout === undefined) throw new JobsError('DA_BAD_REQUEST', 'fetchCheckpointState needs a spec or a state layout');
  let step = opts.step;
  if (opts.spec) {
    const steps = checkpointSteps(opts.spec.steps, opts.spec.checkpointInterval);
    if (!Number.isInteger(opening.index) || opening.index < 0 || opening.index >= steps.length) {
      throw new JobsError('DA_BAD_REQUEST', `checkpoint index ${opening.index} outside 0..${steps.length - 1}`);
    }
    step = steps[opening.index];
  }
  const size = encodedLengthOf(layout);
  const max = opts.maxStateBytes ?? DA_LIMITS.maxStateBytes;
  if (size > max) throw new JobsError('DA_TOO_LARGE', `a state of this spec is ${size} bytes, over the limit of ${max}`);
  const n = chunkCountOf(size);
  const what = `checkpoint ${opening.index} of job ${bytesToHex(jobId).slice(0, 16)}`;
  const bytes = new Uint8Array(size);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = opts.have?.[i];
    const want = Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE);
    // a chunk had elsewhere was proven there; one that fails here is simply fetched again
    if (c && c.length === want) {
      bytes.set(c, i * CHUNK_SIZE);
      continue;
    }
    missing.push(i);
  }
  let peerId = typeof peer === 'string' ? peer : peer.peerId;
  let penalised = false; // once per fetch, however many lanes notice
  const bad = (m: string): never => {
    if (!penalised) host.adjustScore(peerId, DA_PENALTY.badProof, `job-chunk: ${m}`);
    penalised = true;
    throw new JobsError('DA_BAD_PROOF', `${what} from ${peerId}: ${m}`);
  };
  const badState = (m: string): never => {
    // every chunk is proven under the opened root: the committed state itself is wrong, whoever sent it
    throw new JobsError('DA_BAD_STATE', `${what}: ${m}`);
  };
  let done = n - missing.length;
  if (missing.length) peerId = await connectDaPeer(host, peer, opts.signal);
  // one signature for the whole fetch: it names this job and our own peer id
  const auth = missing.length && opts.credentials ? await signDaAuth(opts.credentials, host.chainId, jobId, host.peerId) : null;
  await runLanes(missing.length, Math.min(Math.max(1, opts.concurrency ?? 4), 16), opts.signal, async (m, signal) => {
    const i = missing[m]!;
    const res = await daRequest(host, peerId, JOB_CHUNK_PROTOCOL, encodeChunkRequest({ jobId, checkpointIndex: opening.index, chunkIndex: i, auth }), `${what} chunk ${i}`, {
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxResponseBytes: DA_LIMITS.chunkResponseBytes,
      retries: opts.retries ?? 2,
      signal,
    });
    let r;
    try {
      r = decodeChunkResponse(res);
    } catch (e) {
      host.adjustScore(peerId, DA_PENALTY.badResponse, 'malformed job-chunk response');
      throw new JobsError('DA_BAD_RESPONSE', `${what} chunk ${i} from ${peerId}: ${errorMessage(e)}`, { cause: e });
    }
    const want = Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE);
    const proven = verifyChunk(r.chunk, { index: i, count: n, siblings: r.siblings }, opening.chunkRoot);
    if (r.chunk.length !== want) {
      // proven at another length: the solver committed a chunk no state of this spec has
      if (proven) badState(`chunk ${i} is proven under the opened chunk root with ${r.chunk.length} bytes, a state of this spec needs ${want}`);
      bad(`chunk ${i} has ${r.chunk.length} bytes, a state of this spec needs ${want}`);
    }
    if (!proven) bad(`chunk ${i} is not proven under the opened chunk root`);
    bytes.set(r.chunk, i * CHUNK_SIZE);
    done++;
    opts.onChunk?.(i, r.chunk);
    opts.onProgress?.(done, n);
  });

  let state: TrainState;
  try {
    state = decodeState(bytes, layout);
  } catch (e) {
    if (!(e instanceof MlError)) throw e;
    return badState(`the proven chunks do not decode to a state of this spec (${e.message})`);
  }
  if (step !== undefined && state.step !== step) badState(`the state is at step ${state.step}, checkpoint ${opening.index} is at step ${step}`);
  if (!equalBytes(stepHash(jobId, state), opening.stepHash)) badState('the state does not hash to the opened step hash');
  return { state, bytes, chunkCount: n };
}
