// The solver's view of a job as the node's RPC returns it (job_get / job_list, node/rpc-methods/job-methods.ts):
// bytes as 0x-hex, amounts and heights as decimal strings, addresses as bech32m, status by name.
// Parsing is strict about what the solver relies on and tolerant about how the spec is carried
// (canonical JSON text, 0x-hex of that text, or the spec's fields as an object).
import { canonicalSpecJson, parseSpec, validateSpec, type ModelSpec } from '../../ml-runtime/index.ts';
import { SolverError } from './errors.ts';
import { decodeAddress, encodeAddress, errorMessage } from '../../primitives/index.ts';

/** Status names by the vm's numeric tag order (job_get may give either form). */
export const JOB_STATUS_ORDER = [
  'open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'finalized', 'slashed', 'expired', 'provisional', 'diverged', 'diverging',
  'redrawing',
] as const;
export type JobStatusName = (typeof JOB_STATUS_ORDER)[number];
export const TERMINAL_STATUSES: readonly JobStatusName[] = ['finalized', 'slashed', 'expired', 'diverged'];
/**
 * Lifecycle order for statusAtLeast (the tags are not in it: provisional follows revealing, diverging follows training,
 * redrawing follows attesting: a committee short of its quorum is replaced and the job attests again).
 */
const LIFECYCLE: readonly JobStatusName[] = ['open', 'accepted', 'training', 'diverging', 'committed', 'challenged', 'attesting', 'redrawing', 'revealing', 'provisional'];

export interface JobWindowsView { accept: number; commit: number; challengeDelay: number; open: number; attest: number; reveal: number }

export interface JobTermsView {
  /** canonical spec JSON as submitted (null when the RPC gave fields only and they did not validate) */
  specText: string | null;
  /** the parsed spec, or null with `specError` saying why not */
  spec: ModelSpec | null;
  specError: string | null;
  runtime: string;
  datasetRoot: Uint8Array;
  datasetSize: number;
  q: number;
  committeeSize: number;
  windows: JobWindowsView | null;
  solverStake: bigint;
  bounty: bigint;
  attestReward: bigint;
  parent: Uint8Array | null;
  /** the dispute terms (window and move in blocks, the bond a dispute posts, a demand's fee); null when job_get gave none */
  dispute: { window: number; move: number; bond: bigint; demandFee: bigint } | null;
}

export interface JobCommitmentView { traceRoot: Uint8Array; checkpointsRoot: Uint8Array; finalChunkRoot: Uint8Array; finalStepHash: Uint8Array }

export type DisputeKindName = 'solver' | 'attestation' | 'divergence';
export type DisputeStageName = 'respond' | 'referee' | 'resolved';
export type DisputeWinnerName = 'none' | 'solver' | 'other';

/** A state one party is putting on chain for a dispute (job_get gives its progress, not its bytes). */
export interface StateSupplyView {
  party: string;
  total: number;
  /** bytes on chain so far; null when the node did not say */
  received: number | null;
}

/** One dispute of the job (vm/types/dispute.ts), as job_get shows it. */
export interface DisputeView {
  /** its index in job.disputes (what every move names) */
  index: number;
  kind: DisputeKindName;
  /** the disputer (bech32); the solver itself for a divergence proof */
  by: string;
  member: string | null;
  segment: number;
  bond: bigint;
  stage: DisputeStageName;
  /** last height the current stage's move may land at (0 once resolved) */
  deadline: bigint;
  /** the located step: the referee executes state_t → state_{t+1}; -1 = the derived initial state (0 before it is located) */
  step: number;
  supplies: StateSupplyView[];
  /** indices of the batch samples already on chain, when the node listed them (job_getDispute does; job_get gives counts) */
  samples: number[] | null;
  /** how many of the batch's samples are on chain, and how many it draws (null before a step ≥ 0 is located) */
  samplesReceived: number;
  samplesNeeded: number | null;
  winner: DisputeWinnerName;
  reason: string;
}

/** An availability demand (vm/types/dispute.ts DaDemand). */
export interface DemandView {
  by: string;
  checkpoint: number;
  chunk: number;
  fee: bigint;
  deadline: bigint;
  /** hash of the DaChunk transaction that answered it; null while open */
  answer: Uint8Array | null;
}

export interface JobView {
  id: Uint8Array;
  /** lowercase hex without 0x */
  idHex: string;
  status: JobStatusName;
  submitter: string | null;
  terms: JobTermsView;
  deadline: bigint;
  solver: string | null;
  seed: Uint8Array | null;
  segments: number[];
  commitment: JobCommitmentView | null;
  /** how many checkpoints are opened / trace ranges revealed on chain (job_getTrace has the details) */
  openingCount: number;
  revealCount: number;
  outcome: string;
  /** size of the committee drawn at the challenge */
  committeeCount: number;
  /** the current committee's addresses (bech32), ascending: who may fetch its checkpoints (docs/da.md §2b) */
  committee: string[];
  /** seat holders in draw order (addresses): which segments each member's digest covers */
  seats: string[];
  daPeer: string | null;
  /** the multiaddrs the solver announced with daPeer (JobAccept), at most 4 */
  daAddrs: string[];
  /** the node's height when it answered (job_get adds it) */
  height: bigint | null;
  /** the committee's provisional verdict ('paid', 'mismatch', 'diverged'); '' before it */
  verdict: string;
  /** the dispute window's last height (provisional jobs); 0 otherwise */
  windowEnd: bigint;
  /** t of a run committed as diverged after h_t (JobDiverge); 0 otherwise */
  divergedAt: number;
  disputes: DisputeView[];
  demands: DemandView[];
  /** the raw JSON, for logs */
  raw: unknown;
}

type Obj = Record<string, unknown>;

function bad(where: string, msg: string): never {
  throw new SolverError('SOLVER_BAD_JOB', `job JSON ${where}: ${msg}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hexToBytesLoose(v: unknown, where: string, len?: number): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v !== 'string') bad(where, `expected hex, got ${JSON.stringify(v)}`);
  const s = v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v;
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) bad(where, `not hex: ${JSON.stringify(v).slice(0, 80)}`);
  const b = new Uint8Array(Buffer.from(s, 'hex'));
  if (len !== undefined && b.length !== len) bad(where, `expected ${len} bytes, got ${b.length}`);
  return b;
}

function optBytes(v: unknown, where: string, len?: number): Uint8Array | null {
  if (v === null || v === undefined || v === '' || v === '0x') return null;
  return hexToBytesLoose(v, where, len);
}

export function bigintLoose(v: unknown, where: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v)) return BigInt(v);
  if (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v)) return BigInt(v);
  return bad(where, `expected a non-negative integer, got ${JSON.stringify(v)}`);
}

function int(v: unknown, where: string): number {
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) bad(where, `expected a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function optInt(v: unknown, where: string, dflt: number): number {
  return v === undefined || v === null ? dflt : int(v, where);
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') bad(where, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function optStr(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The spec as text: a JSON string, 0x-hex of UTF-8 JSON, or an object of fields. */
function readSpec(t: Obj): { specText: string | null; spec: ModelSpec | null; specError: string | null } {
  const v = t.specText ?? t.specJson ?? t.spec;
  try {
    if (typeof v === 'string') {
      const text = /^0x([0-9a-fA-F]{2})*$/.test(v) ? Buffer.from(v.slice(2), 'hex').toString('utf8') : v;
      const spec = parseSpec(text);
      if (canonicalSpecJson(spec) !== text) return { specText: text, spec: null, specError: 'spec is not in canonical form' };
      return { specText: text, spec, specError: null };
    }
    if (isObj(v)) {
      const spec = validateSpec(v);
      return { specText: canonicalSpecJson(spec), spec, specError: null };
    }
    return { specText: null, spec: null, specError: `no spec in terms (got ${typeof v})` };
  } catch (e) {
    return { specText: typeof v === 'string' ? v : null, spec: null, specError: errorMessage(e) };
  }
}

function readWindows(v: unknown): JobWindowsView | null {
  if (!isObj(v)) return null;
  const w = (k: string) => int(v[k], `terms.windows.${k}`);
  return { accept: w('accept'), commit: w('commit'), challengeDelay: w('challengeDelay'), open: w('open'), attest: w('attest'), reveal: w('reveal') };
}

function readCommitment(v: unknown): JobCommitmentView | null {
  if (!isObj(v)) return null;
  const b = (k: string) => hexToBytesLoose(v[k], `commitment.${k}`, 32);
  return { traceRoot: b('traceRoot'), checkpointsRoot: b('checkpointsRoot'), finalChunkRoot: b('finalChunkRoot'), finalStepHash: b('finalStepHash') };
}

/** An address as bech32, from bech32 or 0x-hex of its 20 bytes. */
function address(v: unknown, where: string): string {
  if (typeof v === 'string' && !/^0x/i.test(v)) {
    try {
      return encodeAddress(decodeAddress(v));
    } catch (e) {
      bad(where, errorMessage(e));
    }
  }
  return encodeAddress(hexToBytesLoose(v, where, 20));
}

function optAddress(v: unknown, where: string): string | null {
  return v === null || v === undefined || v === '' ? null : address(v, where);
}

/** A tag given by name or by the vm's number (1-based in `names` order). */
function tagName<N extends string>(v: unknown, names: readonly N[], where: string, zeroName?: N): N {
  if (typeof v === 'number' || (typeof v === 'string' && /^[0-9]+$/.test(v))) {
    const n = Number(v);
    if (n === 0 && zeroName) return zeroName;
    const name = names[n - 1];
    if (name) return name;
  }
  if (typeof v === 'string' && (names as readonly string[]).includes(v)) return v as N;
  if (zeroName && (v === null || v === undefined || v === zeroName)) return zeroName;
  return bad(where, `unknown value ${JSON.stringify(v)}`);
}

function signedInt(v: unknown, where: string): number {
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) bad(where, `expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

function readSupply(v: unknown, where: string): StateSupplyView {
  if (!isObj(v)) bad(where, 'not an object');
  const raw = v.received ?? v.have ?? v.length ?? v.bytes;
  let received: number | null = null;
  if (typeof raw === 'string' && /^0x/i.test(raw)) received = (raw.length - 2) / 2;
  else if (raw !== undefined && raw !== null) received = int(raw, `${where}.received`);
  return { party: address(v.party, `${where}.party`), total: int(v.total, `${where}.total`), received };
}

function readDispute(v: unknown, i: number): DisputeView {
  const w = `disputes[${i}]`;
  if (!isObj(v)) bad(w, 'not an object');
  // the samples on chain: a list of indices, or (job_get) progress counts
  const list = Array.isArray(v.samples) ? v.samples : Array.isArray(v.sampleIndices) ? v.sampleIndices : null;
  const samples = list ? list.map((x, n) => int(isObj(x) ? x.index : x, `${w}.samples[${n}]`)) : null;
  const counts = isObj(v.samples) ? v.samples : {};
  return {
    index: v.index === undefined ? i : int(v.index, `${w}.index`),
    kind: tagName(v.kind, ['solver', 'attestation', 'divergence'] as const, `${w}.kind`),
    by: address(v.by, `${w}.by`),
    member: optAddress(v.member, `${w}.member`),
    segment: optInt(v.segment, `${w}.segment`, 0),
    bond: v.bond === undefined ? 0n : bigintLoose(v.bond, `${w}.bond`),
    stage: tagName(v.stage, ['respond', 'referee', 'resolved'] as const, `${w}.stage`),
    deadline: v.deadline === null || v.deadline === undefined ? 0n : bigintLoose(v.deadline, `${w}.deadline`),
    step: v.step === undefined || v.step === null ? 0 : signedInt(v.step, `${w}.step`),
    supplies: Array.isArray(v.supplies) ? v.supplies.map((x, n) => readSupply(x, `${w}.supplies[${n}]`)) : [],
    samples,
    samplesReceived: samples ? samples.length : optInt(counts.received, `${w}.samples.received`, 0),
    samplesNeeded: counts.needed === undefined || counts.needed === null ? null : int(counts.needed, `${w}.samples.needed`),
    winner: tagName(v.winner, ['solver', 'other'] as const as readonly DisputeWinnerName[], `${w}.winner`, 'none'),
    reason: typeof v.reason === 'string' ? v.reason : '',
  };
}

function readDemand(v: unknown, i: number): DemandView {
  const w = `demands[${i}]`;
  if (!isObj(v)) bad(w, 'not an object');
  return {
    by: address(v.by, `${w}.by`), checkpoint: int(v.checkpoint, `${w}.checkpoint`), chunk: int(v.chunk, `${w}.chunk`),
    fee: v.fee === undefined ? 0n : bigintLoose(v.fee, `${w}.fee`), deadline: bigintLoose(v.deadline, `${w}.deadline`),
    answer: optBytes(v.answer, `${w}.answer`, 32),
  };
}

/** Parses one job from job_get / job_list. Throws SOLVER_BAD_JOB when a field the solver needs is missing. */
export function parseJobView(raw: unknown): JobView {
  if (!isObj(raw)) bad('', 'not an object');
  const id = hexToBytesLoose(raw.id ?? raw.jobId, 'id', 32);
  const statusRaw = raw.status;
  const status = (typeof statusRaw === 'number' ? JOB_STATUS_ORDER[statusRaw - 1] : statusRaw) as JobStatusName;
  if (!JOB_STATUS_ORDER.includes(status)) bad('status', `unknown status ${JSON.stringify(statusRaw)}`);
  const t = raw.terms;
  if (!isObj(t)) bad('terms', 'missing');
  const terms: JobTermsView = {
    ...readSpec(t),
    runtime: str(t.runtime, 'terms.runtime'),
    datasetRoot: hexToBytesLoose(t.datasetRoot, 'terms.datasetRoot', 32),
    datasetSize: optInt(t.datasetSize, 'terms.datasetSize', 0),
    q: optInt(t.q, 'terms.q', 0),
    committeeSize: optInt(t.committeeSize, 'terms.committeeSize', 0),
    windows: readWindows(t.windows),
    solverStake: bigintLoose(t.solverStake, 'terms.solverStake'),
    bounty: bigintLoose(t.bounty, 'terms.bounty'),
    attestReward: t.attestReward === undefined ? 0n : bigintLoose(t.attestReward, 'terms.attestReward'),
    parent: optBytes(t.parent, 'terms.parent', 32),
    dispute: isObj(t.dispute)
      ? { window: int(t.dispute.window, 'terms.dispute.window'), move: int(t.dispute.move, 'terms.dispute.move'), bond: bigintLoose(t.dispute.bond, 'terms.dispute.bond'), demandFee: bigintLoose(t.dispute.demandFee, 'terms.dispute.demandFee') }
      : null,
  };
  const segments = Array.isArray(raw.segments) ? raw.segments.map((s, i) => int(s, `segments[${i}]`)) : [];
  const count = (v: unknown, where: string) => (Array.isArray(v) ? v.length : optInt(v, where, 0));
  return {
    id, idHex: Buffer.from(id).toString('hex'), status,
    submitter: optStr(raw.submitter),
    terms,
    deadline: raw.deadline === undefined || raw.deadline === null ? 0n : bigintLoose(raw.deadline, 'deadline'),
    solver: optStr(raw.solver),
    seed: optBytes(raw.seed, 'seed', 32),
    segments,
    commitment: readCommitment(raw.commitment),
    openingCount: count(raw.openings, 'openings'),
    revealCount: count(raw.reveals, 'reveals'),
    outcome: typeof raw.outcome === 'string' ? raw.outcome : '',
    committeeCount: Array.isArray(raw.committee) ? raw.committee.length : 0,
    committee: Array.isArray(raw.committee) ? raw.committee.map((m, i) => address(isObj(m) ? m.address : m, `committee[${i}]`)) : [],
    seats: Array.isArray(raw.seats) ? raw.seats.map((m, i) => address(m, `seats[${i}]`)) : [],
    daPeer: optStr(raw.daPeer),
    daAddrs: Array.isArray(raw.daAddrs) ? raw.daAddrs.filter((a): a is string => typeof a === 'string').slice(0, 4) : [],
    height: raw.height === undefined || raw.height === null ? null : bigintLoose(raw.height, 'height'),
    verdict: typeof raw.verdict === 'string' ? raw.verdict : '',
    windowEnd: raw.windowEnd === undefined || raw.windowEnd === null ? 0n : bigintLoose(raw.windowEnd, 'windowEnd'),
    divergedAt: optInt(raw.divergedAt, 'divergedAt', 0),
    disputes: Array.isArray(raw.disputes) ? raw.disputes.map(readDispute) : [],
    demands: Array.isArray(raw.demands) ? raw.demands.map(readDemand) : [],
    raw,
  };
}

/** One line of job_list: enough to decide whether to look closer with job_get. */
export interface JobSummaryView {
  id: Uint8Array;
  idHex: string;
  status: JobStatusName;
  solver: string | null;
  solverStake: bigint | null;
  bounty: bigint | null;
  steps: number | null;
  datasetRoot: Uint8Array | null;
  deadline: bigint | null;
}

export function parseJobSummary(raw: unknown): JobSummaryView {
  if (!isObj(raw)) bad('job_list entry', 'not an object');
  const id = hexToBytesLoose(raw.id ?? raw.jobId, 'id', 32);
  const status = raw.status as JobStatusName;
  if (!JOB_STATUS_ORDER.includes(status)) bad('status', `unknown status ${JSON.stringify(raw.status)}`);
  const big = (v: unknown, w: string) => (v === undefined || v === null ? null : bigintLoose(v, w));
  return {
    id, idHex: Buffer.from(id).toString('hex'), status, solver: optStr(raw.solver),
    solverStake: big(raw.solverStake, 'solverStake'), bounty: big(raw.bounty, 'bounty'),
    steps: raw.steps === undefined || raw.steps === null ? null : int(raw.steps, 'steps'),
    datasetRoot: optBytes(raw.datasetRoot, 'datasetRoot', 32),
    deadline: big(raw.deadline, 'deadline'),
  };
}

/** Whether status `s` is `want` or later in the lifecycle (the end states count as later than everything). */
export function statusAtLeast(s: JobStatusName, want: JobStatusName): boolean {
  if (TERMINAL_STATUSES.includes(s)) return true;
  if (TERMINAL_STATUSES.includes(want)) return false;
  return LIFECYCLE.indexOf(s) >= LIFECYCLE.indexOf(want);
}

export function shortId(idHex: string): string {
  return `${idHex.slice(0, 8)}…`;
}
