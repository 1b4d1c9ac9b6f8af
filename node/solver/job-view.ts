// The solver's view of a job as the node's RPC returns it (job_get / job_list, node/rpc-methods/job-methods.ts):
// bytes as 0x-hex, amounts and heights as decimal strings, addresses as bech32m, status by name.
// Parsing is strict about what the solver relies on and tolerant about how the spec is carried
// (canonical JSON text, 0x-hex of that text, or the spec's fields as an object).
import { canonicalSpecJson, parseSpec, validateSpec, type ModelSpec } from '../../ml-runtime/index.ts';
import { SolverError } from './errors.ts';
import { errorMessage } from '../../primitives/index.ts';

export const JOB_STATUS_ORDER = ['open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'finalized', 'slashed', 'expired', 'provisional', 'diverged', 'diverging'] as const;
export type JobStatusName = (typeof JOB_STATUS_ORDER)[number];
export const TERMINAL_STATUSES: readonly JobStatusName[] = ['finalized', 'slashed', 'expired', 'diverged'];

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
}

export interface JobCommitmentView { traceRoot: Uint8Array; checkpointsRoot: Uint8Array; finalChunkRoot: Uint8Array; finalStepHash: Uint8Array }

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
  daPeer: string | null;
  /** the multiaddrs the solver announced with daPeer (JobAccept), at most 4 */
  daAddrs: string[];
  /** the node's height when it answered (job_get adds it) */
  height: bigint | null;
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
    daPeer: optStr(raw.daPeer),
    daAddrs: Array.isArray(raw.daAddrs) ? raw.daAddrs.filter((a): a is string => typeof a === 'string').slice(0, 4) : [],
    height: raw.height === undefined || raw.height === null ? null : bigintLoose(raw.height, 'height'),
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
  return JOB_STATUS_ORDER.indexOf(s) >= JOB_STATUS_ORDER.indexOf(want);
}

export function shortId(idHex: string): string {
  return `${idHex.slice(0, 8)}…`;
}
