// What the watchtower knows of a job and its disputes, whichever way it learnt it: from the node's
// JSON-RPC (parseRpcJob: job_get with its `disputes`) or from a chain state held in the same process
// (fromVmJob). Everything the challenger decides is decided on this one shape.
import { parseSpec, type ModelSpec } from '../../ml-runtime/index.ts';
import {
  DISPUTE_KIND_NAMES, DISPUTE_STAGE_NAMES, DisputeWinner, JOB_STATUS_NAMES,
  type Dispute, type Job,
} from '../../vm/index.ts';
import { WatchError } from './errors.ts';
import { decodeAddress, errorMessage, hexToBytes } from '../../primitives/index.ts';

export type DisputeKindName = 'solver' | 'attestation' | 'divergence';
export type DisputeStageName = 'respond' | 'referee' | 'resolved';
/** 'other' is the side against the solver: the challenger of a solver dispute, the member of an attestation dispute */
export type DisputeWinnerName = 'none' | 'solver' | 'other';

export interface WatchSupply {
  party: Uint8Array;
  total: number;
  /** bytes of the state on chain so far */
  have: number;
}

export interface WatchDispute {
  index: number;
  kind: DisputeKindName;
  by: Uint8Array;
  segment: number;
  openHeight: bigint;
  stage: DisputeStageName;
  /** last height the current stage's move may land at */
  deadline: bigint;
  /** the located step t (the referee runs state_t → state_{t+1}); -1: the derived initial state */
  step: number;
  supplies: WatchSupply[];
  /** sample indices of step t's batch already on chain, ascending */
  samples: number[];
  /**
   * true when the source gave only counts (job_get's `samples: {received, needed}`): `samples` is then
   * empty until the indices are read (job_getDispute's `sampleIndices`, RpcWatchChain does it)
   */
  samplesUnknown?: boolean;
  winner: DisputeWinnerName;
  reason: string;
  endHeight: bigint;
}

export interface WatchCommitment {
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalChunkRoot: Uint8Array;
  finalStepHash: Uint8Array;
  /** the loss root of a loss-committed job (docs/jobs.md §1.1): its segment disputes compare step claims */
  lossRoot?: Uint8Array;
}

export interface WatchJob {
  id: Uint8Array;
  /** the vm's status name (vm JOB_STATUS_NAMES): 'provisional' while the dispute window is open */
  status: string;
  outcome: string;
  /** the provisional verdict: 'paid', 'mismatch', 'diverged'; '' before it (or when the node does not say) */
  verdict: string;
  /** last height a dispute may be opened at; 0 before the verdict */
  windowEnd: bigint;
  solver: Uint8Array | null;
  daPeer: string;
  daAddrs: string[];
  specJson: string;
  spec: ModelSpec;
  runtime: string;
  datasetRoot: Uint8Array;
  datasetSize: number;
  seed: Uint8Array | null;
  parent: Uint8Array | null;
  solverStake: bigint;
  /** the dispute bond of the job's terms; null when the node does not report it */
  bond: bigint | null;
  commitment: WatchCommitment | null;
  /** the sampled segments, ascending */
  segments: number[];
  disputes: WatchDispute[];
  /** the availability demands made on the job (a demand of a checkpoint gives its demander that checkpoint over DA) */
  demands: WatchDemand[];
}

export interface WatchDemand {
  by: Uint8Array;
  checkpoint: number;
  chunk: number;
  /** the solver posted the chunk on chain */
  answered: boolean;
}

const WINNER_NAMES: Record<number, DisputeWinnerName> = { [DisputeWinner.None]: 'none', [DisputeWinner.Solver]: 'solver', [DisputeWinner.Other]: 'other' };

function disputeOfVm(d: Dispute, index: number): WatchDispute {
  return {
    index, kind: DISPUTE_KIND_NAMES[d.kind] as DisputeKindName, by: d.by, segment: d.segment, openHeight: d.openHeight,
    stage: DISPUTE_STAGE_NAMES[d.stage] as DisputeStageName, deadline: d.deadline, step: d.step,
    supplies: d.supplies.map((x) => ({ party: x.party, total: x.total, have: x.bytes.length })),
    samples: d.samples.map((x) => x.index), winner: WINNER_NAMES[d.winner] ?? 'none', reason: d.reason, endHeight: d.endHeight,
  };
}

/** The view of a job read straight from a chain state (a validator's own node, tests). */
export function fromVmJob(job: Job): WatchJob {
  const specJson = new TextDecoder().decode(job.terms.spec);
  const c = job.commitment;
  return {
    id: job.id, status: JOB_STATUS_NAMES[job.status], outcome: job.outcome, verdict: job.verdict, windowEnd: job.windowEnd,
    solver: job.solver, daPeer: job.daPeer, daAddrs: [...job.daAddrs], specJson, spec: parseSpec(specJson), runtime: job.terms.runtime,
    datasetRoot: job.terms.datasetRoot, datasetSize: job.terms.datasetSize, seed: job.seed, parent: job.terms.parent,
    solverStake: job.terms.solverStake, bond: job.terms.dispute.bond,
    commitment: c ? { traceRoot: c.traceRoot, checkpointsRoot: c.checkpointsRoot, finalChunkRoot: c.finalChunkRoot, finalStepHash: c.finalStepHash, ...(c.lossRoot ? { lossRoot: c.lossRoot } : {}) } : null,
    segments: [...job.segments], disputes: job.disputes.map(disputeOfVm),
    demands: job.demands.map((d) => ({ by: d.by, checkpoint: d.checkpoint, chunk: d.chunk, answered: d.answer.length > 0 })),
  };
}

// ---- JSON-RPC -----------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function bad(where: string, msg: string): never {
  throw new WatchError('WATCH_BAD_JOB', `job JSON ${where}: ${msg}`);
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bytes(v: unknown, where: string, len?: number): Uint8Array {
  if (typeof v !== 'string') bad(where, `expected 0x-hex, got ${JSON.stringify(v)?.slice(0, 60)}`);
  let b: Uint8Array;
  try {
    b = hexToBytes(v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v, where);
  } catch (e) {
    return bad(where, errorMessage(e));
  }
  if (len !== undefined && b.length !== len) bad(where, `expected ${len} bytes, got ${b.length}`);
  return b;
}

const bytesOrNull = (v: unknown, where: string, len?: number): Uint8Array | null => (v === null || v === undefined ? null : bytes(v, where, len));

/** An address as bech32 (the RPC's form) or 20 bytes of hex. */
function address(v: unknown, where: string): Uint8Array {
  if (typeof v === 'string' && !/^(0x)?[0-9a-fA-F]{40}$/.test(v)) {
    try {
      return decodeAddress(v);
    } catch (e) {
      return bad(where, errorMessage(e));
    }
  }
  return bytes(v, where, 20);
}

function big(v: unknown, where: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v)) return BigInt(v);
  return bad(where, `expected a non-negative integer, got ${JSON.stringify(v)}`);
}

const bigOr0 = (v: unknown, where: string): bigint => (v === null || v === undefined ? 0n : big(v, where));

function int(v: unknown, where: string, min = 0): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) >= min) return Number(v);
  return bad(where, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
}

/** A name from `names`, or its numeric tag (1-based as in the vm) when the node sends numbers. */
function named<T extends string>(v: unknown, where: string, names: readonly T[], tags?: Record<number, T>): T {
  if (typeof v === 'string' && (names as readonly string[]).includes(v)) return v as T;
  if (typeof v === 'number' && tags && tags[v] !== undefined) return tags[v]!;
  return bad(where, `expected one of ${names.join(', ')}, got ${JSON.stringify(v)}`);
}

const KIND_TAGS = DISPUTE_KIND_NAMES as Record<number, DisputeKindName>;
const STAGE_TAGS = DISPUTE_STAGE_NAMES as Record<number, DisputeStageName>;

function supplyOf(v: unknown, where: string): WatchSupply {
  if (!isObj(v)) bad(where, 'expected an object');
  const total = int(v.total, `${where}.total`);
  // how much is on chain: a count under one of the names a node may use, or the bytes themselves
  const have = v.have ?? v.received ?? v.length ?? v.supplied;
  return {
    party: address(v.party, `${where}.party`), total,
    have: have !== undefined ? int(have, `${where}.have`) : typeof v.bytes === 'string' ? bytes(v.bytes, `${where}.bytes`).length : bad(where, 'no byte count (have)'),
  };
}

function disputeOfJson(v: unknown, i: number): WatchDispute {
  const w = `disputes[${i}]`;
  if (!isObj(v)) bad(w, 'expected an object');
  // job_get gives the batch's progress as counts; the indices come with job_getDispute
  const counts = isObj(v.samples) ? v.samples : null;
  const samples = Array.isArray(v.samples) ? v.samples.map((s, n) => int(isObj(s) ? s.index : s, `${w}.samples[${n}]`)) : [];
  const winner = v.winner === null || v.winner === undefined ? 'none' : named(v.winner, `${w}.winner`, ['none', 'solver', 'other'], WINNER_NAMES);
  return {
    index: v.index === undefined ? i : int(v.index, `${w}.index`),
    kind: named(v.kind, `${w}.kind`, ['solver', 'attestation', 'divergence'], KIND_TAGS),
    by: address(v.by, `${w}.by`),
    segment: v.segment === undefined || v.segment === null ? 0 : int(v.segment, `${w}.segment`),
    openHeight: bigOr0(v.openHeight, `${w}.openHeight`),
    stage: named(v.stage, `${w}.stage`, ['respond', 'referee', 'resolved'], STAGE_TAGS),
    deadline: bigOr0(v.deadline, `${w}.deadline`),
    step: v.step === undefined || v.step === null ? 0 : int(v.step, `${w}.step`, -1),
    supplies: Array.isArray(v.supplies) ? v.supplies.map((s, n) => supplyOf(s, `${w}.supplies[${n}]`)) : [],
    samples: [...samples].sort((a, b) => a - b),
    winner,
    reason: typeof v.reason === 'string' ? v.reason : '',
    endHeight: bigOr0(v.endHeight, `${w}.endHeight`),
    ...(counts && counts.received !== 0 ? { samplesUnknown: true as const } : {}),
  };
}

function demandOfJson(v: unknown, i: number): WatchDemand {
  const w = `demands[${i}]`;
  if (!isObj(v)) bad(w, 'expected an object');
  return {
    by: address(v.by, `${w}.by`), checkpoint: int(v.checkpoint, `${w}.checkpoint`), chunk: int(v.chunk, `${w}.chunk`),
    answered: v.answer !== null && v.answer !== undefined && v.answer !== '' && v.answer !== '0x',
  };
}

/** job_getDispute's `sampleIndices`: the batch samples on chain, ascending. */
export function parseSampleIndices(v: unknown): number[] {
  if (!isObj(v) || !Array.isArray(v.sampleIndices)) bad('job_getDispute', 'expected an object with sampleIndices');
  return v.sampleIndices.map((x, i) => int(x, `sampleIndices[${i}]`)).sort((a, b) => a - b);
}

/**
 * job_get's result as a WatchJob. Disputes are required: a node whose job_get has no `disputes`
 * predates the dispute game and cannot be watched (WATCH_BAD_JOB says so). The window's end is
 * `windowEnd`, or the deadline a provisional job carries.
 */
export function parseRpcJob(v: unknown): WatchJob {
  if (!isObj(v)) bad('', 'expected an object');
  const t = v.terms;
  if (!isObj(t)) bad('terms', 'expected an object');
  if (!Array.isArray(v.disputes)) bad('disputes', "missing: this node's job_get does not report disputes (it predates them); watch a node that does");
  const specJson = typeof t.specJson === 'string' ? t.specJson : bad('terms.specJson', 'expected the canonical spec JSON text');
  let spec: ModelSpec;
  try {
    spec = parseSpec(specJson);
  } catch (e) {
    return bad('terms.specJson', errorMessage(e));
  }
  const c = v.commitment;
  const dispute = isObj(t.dispute) ? t.dispute : null;
  const status = typeof v.status === 'string' ? v.status : bad('status', 'expected a status name');
  return {
    id: bytes(v.id, 'id', 32), status, outcome: typeof v.outcome === 'string' ? v.outcome : '',
    verdict: typeof v.verdict === 'string' ? v.verdict : '',
    windowEnd: v.windowEnd !== undefined && v.windowEnd !== null ? big(v.windowEnd, 'windowEnd') : status === 'provisional' ? bigOr0(v.deadline, 'deadline') : 0n,
    solver: v.solver === null || v.solver === undefined ? null : address(v.solver, 'solver'),
    daPeer: typeof v.daPeer === 'string' ? v.daPeer : '',
    daAddrs: Array.isArray(v.daAddrs) ? v.daAddrs.filter((a): a is string => typeof a === 'string') : [],
    specJson, spec, runtime: typeof t.runtime === 'string' ? t.runtime : bad('terms.runtime', 'expected a string'),
    datasetRoot: bytes(t.datasetRoot, 'terms.datasetRoot', 32), datasetSize: int(t.datasetSize, 'terms.datasetSize', 1),
    seed: bytesOrNull(v.seed, 'seed', 32), parent: bytesOrNull(t.parent, 'terms.parent', 32),
    solverStake: big(t.solverStake, 'terms.solverStake'), bond: dispute && dispute.bond !== undefined ? big(dispute.bond, 'terms.dispute.bond') : null,
    commitment: isObj(c) ? {
      traceRoot: bytes(c.traceRoot, 'commitment.traceRoot', 32), checkpointsRoot: bytes(c.checkpointsRoot, 'commitment.checkpointsRoot', 32),
      finalChunkRoot: bytes(c.finalChunkRoot, 'commitment.finalChunkRoot', 32), finalStepHash: bytes(c.finalStepHash, 'commitment.finalStepHash', 32),
      ...(c.lossRoot !== undefined && c.lossRoot !== null ? { lossRoot: bytes(c.lossRoot, 'commitment.lossRoot', 32) } : {}),
    } : null,
    segments: Array.isArray(v.segments) ? v.segments.map((s, i) => int(s, `segments[${i}]`)) : [],
    disputes: v.disputes.map(disputeOfJson),
    demands: Array.isArray(v.demands) ? v.demands.map(demandOfJson) : [],
  };
}
