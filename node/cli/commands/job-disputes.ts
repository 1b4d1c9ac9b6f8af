// `polchain job disputes [ID]`: the disputes of one job, or of every job in its dispute window (and
// with --all of every job that ever had one), as a table over JSON-RPC (docs/rpc.md "Disputes",
// docs/disputes.md for the game). The line formats are shared with `polchain job status`.
import type { DaDemandJson, DisputeSummaryJson, JobAtHeightJson, JobSummaryJson, RpcClient, RpcNamedParams } from '../../../rpc/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import { JSON_FLAG, RPC_FLAG, rpcClient } from '../wallet-flags.ts';

export const DISPUTES_USAGE = 'polchain job disputes [ID] [--all] [--json] [--rpc URL]';
const DISPUTES_SUMMARY = 'list the disputes of a job, or of every job in its dispute window (provisional or diverging)';
const FLAGS: Options = {
  all: { type: 'boolean', help: 'without ID: every job that ever had a dispute, ended ones too (default: jobs still provisional or diverging)' },
  ...JSON_FLAG, ...RPC_FLAG,
};

const usageError = (msg: string) => new NodeError('USAGE', `${msg}\nusage: ${DISPUTES_USAGE}`);

/** A job id argument: 32 bytes of hex, with or without 0x; lowercase 0x-hex as the node wants it. */
export function jobIdArg(v: string, what = 'job ID', usage = DISPUTES_USAGE): string {
  const s = v.startsWith('0x') ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new NodeError('USAGE', `${what} must be 32 bytes of hex (64 digits, optional 0x), got ${JSON.stringify(v)}\nusage: ${usage}`);
  return '0x' + s.toLowerCase();
}

export const shortId = (h: string) => (h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h);
const shortAddr = (a: string) => (a.length > 20 ? `${a.slice(0, 10)}…${a.slice(-6)}` : a);

/** What a dispute is about: the segment, the member, or the diverging step. */
export function disputeTarget(d: DisputeSummaryJson): string {
  if (d.kind === 'solver') return `segment ${d.segment}`;
  if (d.kind === 'attestation') return `member ${shortAddr(d.member ?? '?')}`;
  return `step ${d.step ?? '?'}`;
}

/** Who a winner name means for each kind: `other` is the challenger, the disputed member, or a refuted divergence. */
function winnerText(d: DisputeSummaryJson): string {
  const solver = d.winner === 'solver';
  if (d.kind === 'solver') return solver ? 'solver won' : 'challenger won';
  if (d.kind === 'attestation') return solver ? 'solver won, member proven wrong' : 'member won';
  return solver ? 'non-finite step proven' : 'divergence refuted';
}

/** Where a dispute stands: who must move by when, what the referee still needs, or how it ended. */
export function disputeState(d: DisputeSummaryJson): string {
  if (d.stage === 'resolved') return `${winnerText(d)} (${d.reason ?? '?'}) at ${d.endHeight ?? '?'}`;
  if (d.stage === 'respond') return `waiting for the ${d.kind === 'attestation' ? "member's preimage" : "solver's hashes"} until ${d.deadline}`;
  const state = d.supplies.length ? d.supplies.map((s) => `${s.received}/${s.total} bytes from ${shortAddr(s.party)}`).join(', ') : 'none yet';
  const samples = d.samples.needed === null ? '' : `, samples ${d.samples.received}/${d.samples.needed}`;
  return `referee on step ${d.step} until ${d.deadline}: state ${state}${samples}`;
}

/** One line per dispute in `job status`. */
export const disputeLine = (d: DisputeSummaryJson): string =>
  `#${d.index} ${d.kind} ${disputeTarget(d)} by ${d.by}, bond ${d.bond}, opened at ${d.openHeight}: ${disputeState(d)}`;

/** One line per availability demand in `job status` and `job disputes ID`. */
export const demandLine = (x: DaDemandJson): string =>
  `#${x.index} checkpoint ${x.checkpoint} chunk ${x.chunk} by ${x.by}, fee ${x.fee}: ${x.answer ? `answered by ${shortId(x.answer)}` : `open until ${x.deadline}`}`;

/** Disputes of several jobs as aligned columns. */
export function disputesTable(jobs: Array<Pick<JobAtHeightJson, 'id' | 'status' | 'disputes'>>): string {
  const head = ['JOB', '#', 'KIND', 'AGAINST', 'BY', 'BOND', 'STAGE', 'STATE'];
  const rows = jobs.flatMap((j) => j.disputes.map((d) => [shortId(j.id), String(d.index), d.kind, disputeTarget(d), shortAddr(d.by), d.bond, d.stage, disputeState(d)]));
  if (!rows.length) return 'no disputes';
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/** Summaries of the jobs with a given status (every page), or of all jobs. */
async function listAll(client: RpcClient, status?: string): Promise<JobSummaryJson[]> {
  const out: JobSummaryJson[] = [];
  const params: RpcNamedParams<'job_list'> = { limit: 100, ...(status ? { status } : {}) };
  do {
    const page = await client.call('job_list', params);
    out.push(...page.jobs);
    params.cursor = page.nextCursor;
  } while (params.cursor);
  return out;
}

export async function disputesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DISPUTES_USAGE, true);
  if (values.help) return (console.log(formatHelp(DISPUTES_USAGE, FLAGS, DISPUTES_SUMMARY)), 0);
  if (positionals.length > 1) throw usageError(`job disputes takes at most one job ID, got ${positionals.length} arguments`);
  const id = positionals[0] === undefined ? undefined : jobIdArg(positionals[0]);
  if (id && values.all) throw usageError('--all lists the disputes of every job; give either a job ID or --all');
  const client = rpcClient(values);
  try {
    let jobs: JobAtHeightJson[];
    if (id) jobs = [await client.call('job_get', [id])];
    else {
      const summaries = values.all ? await listAll(client) : [...await listAll(client, 'provisional'), ...await listAll(client, 'diverging')];
      jobs = [];
      for (const s of summaries.filter((j) => j.disputes > 0)) jobs.push(await client.call('job_get', [s.id]));
    }
    if (values.json) {
      const view = jobs.map((j) => ({ id: j.id, status: j.status, outcome: j.outcome, verdict: j.verdict, windowEnd: j.windowEnd, disputes: j.disputes, demands: j.demands }));
      console.log(JSON.stringify(id ? view[0] : { jobs: view }, null, 2));
      return 0;
    }
    if (id) {
      const j = jobs[0]!;
      const window = j.windowEnd === null ? 'no verdict yet' : `dispute window ${j.status === 'provisional' && BigInt(j.height) <= BigInt(j.windowEnd) ? 'open' : 'closed'} (ends at ${j.windowEnd}, latest ${j.height})`;
      console.log(`job ${j.id}: ${j.status}${j.outcome ? ` (${j.outcome})` : ''}, ${window}`);
    }
    console.log(disputesTable(jobs));
    if (id && jobs[0]!.demands.length) console.log(['availability demands:', ...jobs[0]!.demands.map((x) => `  ${demandLine(x)}`)].join('\n'));
    return 0;
  } finally {
    await client.close();
  }
}
