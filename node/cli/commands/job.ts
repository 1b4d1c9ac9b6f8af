// `polchain job submit | status | list`: posts proof-of-learning jobs and shows them over JSON-RPC
// (docs/jobs.md for the protocol, docs/rpc.md "Jobs" for the methods).
import { readFile } from 'node:fs/promises';
import { disputeTermsFor, encodeTx, JOB_LIMITS, JOB_RUNTIMES, JOB_STATUS_NAMES, signTx, type JobTerms, type JobWindows, type TxPayload } from '../../../vm/index.ts';
import { devAccountSeed } from '../../../genesis/index.ts';
import { canonicalSpecJson, checkSpecFitsDataset, datasetRoot, loadDataset, parseSpec, segmentCount, type ModelSpec } from '../../../ml-runtime/index.ts';
import { RpcClient, type JobAtHeightJson, type JobAttestationsJson, type JobSummaryJson, type RpcNamedParams } from '../../../rpc/index.ts';
import { decryptKeyAsync, Keystore, parseKeystoreFile, type KeystoreFile } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseAmount, parseFlags, requireFlag } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { DISPUTE_USAGE } from './job-dispute-usage.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed, sha256, errorMessage } from '../../../primitives/index.ts';

const SUBMIT_USAGE = 'polchain job submit --spec FILE --dataset NAME --bounty N [--reward N] [--stake N] [--q N] [--committee N] '
  + '[--windows accept,commit,challengeDelay,open,attest,reveal] [--parent ID] [--runtime det-1] [--fee N] [--nonce N] [--wait] [--rpc URL] '
  + '(--key-seed HEX | --key FILE | --from NAME | --dev-account I) [--data-dir DIR] [--passphrase-file FILE]';
const STATUS_USAGE = 'polchain job status ID [--json] [--rpc URL]';
const LIST_USAGE = 'polchain job list [--status S] [--submitter ADDR] [--solver ADDR] [--limit N] [--cursor ID] [--all] [--json] [--rpc URL]';
const usage = `${SUBMIT_USAGE}\n       ${STATUS_USAGE}\n       ${LIST_USAGE}\n       ${DISPUTE_USAGE}`;

export const DEFAULT_WINDOWS: JobWindows = { accept: 600, commit: 600, challengeDelay: 2, open: 100, attest: 100, reveal: 100 };
const WINDOW_NAMES = ['accept', 'commit', 'challengeDelay', 'open', 'attest', 'reveal'] as const;

const usageError = (msg: string, u = SUBMIT_USAGE) => new NodeError('USAGE', `${msg}\nusage: ${u}`);
const rpcClient = (values: Record<string, unknown>) => new RpcClient((values.rpc as string | undefined) ?? process.env.POLCHAIN_RPC_URL ?? 'http://127.0.0.1:8545/');

function intFlag(values: Record<string, unknown>, name: string, def: number, min: number, max: number, u = SUBMIT_USAGE): number {
  const v = values[name];
  if (v === undefined) return def;
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`, u);
  return Number(v);
}

function hex32(v: string, what: string, u: string): Uint8Array {
  const s = v.startsWith('0x') ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw usageError(`${what} must be 32 bytes of hex (64 digits, optional 0x), got ${JSON.stringify(v)}`, u);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function parseWindows(v: string | undefined): JobWindows {
  if (v === undefined) return { ...DEFAULT_WINDOWS };
  const parts = v.split(',');
  if (parts.length !== 6 || parts.some((p) => !/^[1-9][0-9]*$/.test(p.trim()))) {
    throw usageError(`--windows must be six positive integers ${WINDOW_NAMES.join(',')}, got ${JSON.stringify(v)}`);
  }
  const w = Object.fromEntries(WINDOW_NAMES.map((n, i) => [n, Number(parts[i]!.trim())])) as unknown as JobWindows;
  for (const n of WINDOW_NAMES) if (w[n] > JOB_LIMITS.maxWindow) throw usageError(`--windows: ${n} = ${w[n]} exceeds ${JOB_LIMITS.maxWindow} blocks`);
  if (w.challengeDelay < JOB_LIMITS.minChallengeDelay) throw usageError(`--windows: challengeDelay must be at least ${JOB_LIMITS.minChallengeDelay}, got ${w.challengeDelay}`);
  return w;
}

/** Reads, validates and canonicalises a spec file; throws USAGE with the reason (the vm's limits of docs/jobs.md §1 included). */
export async function loadJobSpec(file: string): Promise<{ spec: ModelSpec; bytes: Uint8Array }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw usageError(`--spec: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
  let spec: ModelSpec;
  try {
    spec = parseSpec(text);
  } catch (e) {
    throw usageError(`--spec ${file}: ${errorMessage(e)}`);
  }
  const L = JOB_LIMITS;
  if (spec.steps > L.maxSteps) throw usageError(`--spec ${file}: steps T = ${spec.steps} exceeds the chain's limit of ${L.maxSteps}`);
  if (spec.checkpointInterval < L.minInterval || spec.checkpointInterval > L.maxInterval) {
    throw usageError(`--spec ${file}: checkpointInterval k = ${spec.checkpointInterval} must be in [${L.minInterval}, ${L.maxInterval}] for a chain job`);
  }
  // a one-step last segment would hold only h_T, which the commit publishes: nothing left to replay for
  if (spec.steps % spec.checkpointInterval === 1) {
    throw usageError(`--spec ${file}: steps T = ${spec.steps} leaves a last segment of one step (T mod k = 1); choose T or k so that T mod k != 1`);
  }
  const bytes = new TextEncoder().encode(canonicalSpecJson(spec));
  if (bytes.length > L.maxSpecBytes) throw usageError(`--spec ${file}: canonical spec is ${bytes.length} bytes, the chain's limit is ${L.maxSpecBytes}`);
  return { spec, bytes };
}

/** The signing seed from exactly one of --key-seed, --key, --from, --dev-account (tx.ts's sources plus raw seeds and key files). */
async function signerSeed(values: Record<string, unknown>): Promise<Uint8Array> {
  const given = ['key-seed', 'key', 'from', 'dev-account'].filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw usageError(given.length ? `give only one of ${given.map((k) => `--${k}`).join(', ')}` : 'a signing key is required: --key-seed HEX, --key FILE, --from NAME or --dev-account I');
  const passFile = values['passphrase-file'] as string | undefined;
  switch (given[0]) {
    case 'key-seed':
      return hex32(values['key-seed'] as string, '--key-seed', SUBMIT_USAGE);
    case 'dev-account': {
      const v = values['dev-account'] as string;
      if (!/^(0|[1-9][0-9]*)$/.test(v)) throw usageError(`--dev-account must be a non-negative integer, got ${JSON.stringify(v)}`);
      return devAccountSeed(Number(v));
    }
    case 'key': {
      const file = values.key as string;
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw usageError(`--key: cannot read keystore file ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
      }
      parseKeystoreFile(json);
      return decryptKeyAsync(json as KeystoreFile, await getPassphrase(passFile, `unlock key file ${file}`));
    }
    default: {
      const name = values.from as string;
      const dir = (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
      return new Keystore(dataDirLayout(dir).keys).load(name, await getPassphrase(passFile, `unlock key "${name}"`));
    }
  }
}

async function submit(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    spec: { type: 'string' }, dataset: { type: 'string' }, bounty: { type: 'string' }, reward: { type: 'string' }, stake: { type: 'string' },
    q: { type: 'string' }, committee: { type: 'string' }, windows: { type: 'string' }, parent: { type: 'string' }, runtime: { type: 'string' },
    fee: { type: 'string' }, nonce: { type: 'string' }, wait: { type: 'boolean' }, rpc: { type: 'string' },
    'key-seed': { type: 'string' }, key: { type: 'string' }, from: { type: 'string' }, 'dev-account': { type: 'string' },
    'data-dir': { type: 'string' }, 'passphrase-file': { type: 'string' },
  }, SUBMIT_USAGE, true);
  if (values.help) return (console.log(SUBMIT_USAGE), 0);
  if (positionals.length) throw usageError(`unexpected arguments: ${positionals.join(' ')}`);
  const specFile = requireFlag(values, 'spec', SUBMIT_USAGE);
  const datasetName = requireFlag(values, 'dataset', SUBMIT_USAGE);
  const bounty = parseAmount(requireFlag(values, 'bounty', SUBMIT_USAGE), 'bounty');
  if (bounty === 0n) throw usageError('--bounty must be positive');
  const attestReward = parseAmount((values.reward as string | undefined) ?? '0', 'reward');
  const solverStake = values.stake === undefined ? bounty : parseAmount(values.stake as string, 'stake');
  const qFlag = intFlag(values, 'q', 4, 1, JOB_LIMITS.maxQ);
  const committeeSize = intFlag(values, 'committee', 3, 1, JOB_LIMITS.maxCommitteeSize);
  const windows = parseWindows(values.windows as string | undefined);
  const parent = values.parent === undefined ? null : hex32(values.parent as string, '--parent', SUBMIT_USAGE);
  const runtime = (values.runtime as string | undefined) ?? JOB_RUNTIMES[0]!;
  if (!JOB_RUNTIMES.includes(runtime)) throw usageError(`--runtime must be one of ${JOB_RUNTIMES.join(', ')}, got ${JSON.stringify(runtime)}`);
  const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
  const { spec: model, bytes: spec } = await loadJobSpec(specFile);
  let train;
  try {
    train = loadDataset(datasetName).train;
  } catch (e) {
    throw usageError(`--dataset: ${errorMessage(e)}`);
  }
  if (train.count > JOB_LIMITS.maxDatasetSize) throw usageError(`--dataset ${datasetName}: ${train.count} training samples exceed the chain's limit of ${JOB_LIMITS.maxDatasetSize}`);
  // Refused here, before anything is signed: the chain cannot see a dataset's shape, only its root,
  // so it would escrow the bounty for a job every solver skips until its accept window runs out.
  checkSpecFitsDataset(model, train);
  // q counts draws with replacement; above the number of segments most draws repeat one already made.
  const segments = segmentCount(model.steps, model.checkpointInterval);
  const q = values.q === undefined ? Math.min(qFlag, segments) : qFlag;
  if (q > segments) throw new NodeError('JOB_Q_TOO_LARGE', `--q ${q} exceeds the ${segments} segments of this spec (steps ${model.steps} / checkpointInterval ${model.checkpointInterval}); use --q ${segments} or fewer`);
  const terms: JobTerms = {
    spec, runtime, datasetRoot: datasetRoot(train), datasetSize: train.count, q, committeeSize, windows, solverStake, bounty, attestReward, parent,
    dispute: disputeTermsFor(model),
  };
  const seed = await signerSeed(values);
  const client = rpcClient(values);
  try {
    const status = await client.call('node_status', []);
    let nonce: bigint;
    if (values.nonce !== undefined) nonce = parseAmount(values.nonce as string, 'nonce');
    else {
      const acct = await client.call('account_get', [encodeAddress(addressFromPublicKey(publicKeyFromSeed(seed)))]);
      nonce = BigInt(acct.pendingNonce);
    }
    const payload: TxPayload = { kind: 'job-submit', terms };
    const raw = encodeTx(signTx({ chainId: status.chainId, nonce, fee, payload }, seed));
    const { hash } = await client.call('tx_submit', ['0x' + bytesToHex(raw)]);
    if (hash !== '0x' + bytesToHex(sha256(raw))) throw new Error(`node answered hash ${hash} for a transaction whose hash is 0x${bytesToHex(sha256(raw))}`);
    if (!values.wait) {
      console.log(JSON.stringify({ jobId: hash, txHash: hash, nonce: nonce.toString() }));
      return 0;
    }
    for (let i = 0; i < 600; i++) {
      const receipt = await client.call('tx_getReceipt', [hash]);
      if (receipt) {
        const job = await client.call('job_get', [hash]);
        console.log(JSON.stringify({ jobId: hash, txHash: hash, nonce: nonce.toString(), height: receipt.height, status: job.status, deadline: job.deadline }));
        return 0;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new NodeError('USAGE', `job ${hash} not committed after 60 s`);
  } finally {
    await client.close();
  }
}

// ---- status -----------------------------------------------------------------------------------

type JobJson = JobAtHeightJson;
/** What the status view reads of job_getAttestations. */
type AttJson = Pick<JobAttestationsJson, 'verdictKnown' | 'committeeStake' | 'attestedStake' | 'members'>;

const short = (h: string) => (h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h);
const num = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(7))) : String(v)); // spec floats are float32: 0.05, not 0.05000000074505806
const optimizerText = (o: Record<string, unknown> | null) => (o ? `${String(o.type)}(${Object.entries(o).filter(([k]) => k !== 'type').map(([k, v]) => `${k}=${num(v)}`).join(', ')})` : '?');

/** Who gets what when the job ended, per docs/jobs.md §5 (computed from the terms and the attestations). */
export function payoutLines(j: JobJson, a: AttJson): string[] {
  const t = j.terms;
  const bounty = BigInt(t.bounty);
  const reward = BigInt(t.attestReward);
  const bond = BigInt(t.solverStake);
  /** reward / m to each of `to`; the remainder goes back to the submitter. */
  const share = (to: AttJson['members'], what: string): { lines: string[]; rest: bigint } => {
    if (!to.length) return { lines: [], rest: reward };
    const each = reward / BigInt(to.length);
    return { lines: to.map((m) => `${what} ${m.address}: ${each}`), rest: reward - each * BigInt(to.length) };
  };
  if (j.status === 'finalized') {
    const { lines, rest } = share(a.members.filter((m) => m.matched === true), 'attester');
    return [`solver ${j.solver}: bounty ${bounty} + bond ${bond} returned`, ...lines, ...(rest > 0n ? [`submitter ${j.submitter}: ${rest} (attest reward remainder)`] : [])];
  }
  if (j.status === 'slashed') {
    // docs/disputes.md §8: members that replayed and caught the solver share the reward and half the
    // bond (a withheld reveal: every member that attested a real digest); the rest of the bond is burned
    const catchers = j.outcome === 'mismatch' ? a.members.filter((m) => m.matched === false && !m.unavailable)
      : j.outcome === 'no-reveal' ? a.members.filter((m) => m.digest !== null && !m.unavailable) : [];
    const { lines, rest } = share(catchers, 'catching attester');
    const half = catchers.length ? bond / 2n / BigInt(catchers.length) : 0n;
    const burned = bond - half * BigInt(catchers.length);
    const shares = catchers.length ? [`catching attesters: ${half} each of the bond`] : [];
    return [`solver bond ${bond} lost: ${burned} burned`, ...shares, ...lines, `submitter ${j.submitter}: bounty ${bounty}${rest > 0n ? ` + attest reward ${rest}` : ''} refunded`];
  }
  if (j.status === 'diverged') return [`solver ${j.solver}: bond ${bond} returned and a fee for the work; the rest of the bounty refunded to ${j.submitter}`];
  if (j.status === 'expired') return [`submitter ${j.submitter}: bounty ${bounty} + attest reward ${reward} refunded`];
  return [];
}

export function formatJobStatus(j: JobJson, a: AttJson): string {
  const t = j.terms;
  const s = t.spec;
  const L: string[] = [];
  const row = (k: string, v: string) => L.push(`  ${k.padEnd(12)}${v}`);
  L.push(`job ${j.id}`);
  row('status', `${j.status}${j.outcome ? ` (${j.outcome})` : ''}${j.deadline !== null ? `; ${j.phase ?? 'phase'} deadline at height ${j.deadline} (latest ${j.height}, ${BigInt(j.deadline) - BigInt(j.height)} blocks left)` : ''}${j.endHeight !== null ? `; ended at height ${j.endHeight}` : ''}`);
  row('submitter', `${j.submitter} at height ${j.submitHeight}`);
  row('spec', s.valid ? `${s.hash}  T=${s.steps} k=${s.checkpointInterval} batch=${s.batchSize} ${optimizerText(s.optimizer)}` : 'unparseable');
  row('dataset', `${t.datasetRoot} (${t.datasetSize} samples), runtime ${t.runtime}${t.parent ? `, parent ${t.parent}` : ''}`);
  row('amounts', `bounty ${t.bounty}, attest reward ${t.attestReward}, solver stake ${t.solverStake}`);
  row('challenge', `q=${t.q}, committee ${t.committeeSize}, windows ${WINDOW_NAMES.map((n) => `${n} ${t.windows[n]}`).join(', ')}`);
  row('solver', j.solver ? `${j.solver} (accepted at ${j.acceptHeight}; DA peer ${j.daPeer || '-'}${j.daAddrs.length ? ` ${j.daAddrs.join(' ')}` : ''})` : '-');
  if (j.seed) row('seed', j.seed);
  if (j.commitment) row('commitment', `trace ${short(j.commitment.traceRoot)}, final weights ${j.commitment.finalChunkRoot} at height ${j.commitment.height}`);
  if (j.challengeHeight !== null) row('segments', j.segments.length ? `[${j.segments.join(', ')}] of ${s.segmentCount ?? '?'} (challenge at ${j.challengeHeight})` : `drawn at height ${j.challengeHeight}`);
  if (a.members.length) {
    row('committee', `${a.members.length} member(s), stake ${a.committeeStake}, attested stake ${a.attestedStake}`);
    for (const m of a.members) {
      const what = m.digest === null ? 'not attested' : m.unavailable ? `data unavailable (height ${m.height})` : `digest ${short(m.digest)} at ${m.height}`;
      const verdict = m.matched === null ? '' : m.matched ? ', matched' : ', MISMATCH';
      L.push(`      ${m.address}  stake ${m.stake}  ${what}${verdict}`);
    }
  }
  const pay = payoutLines(j, a);
  if (pay.length) {
    row('payouts', pay[0]!);
    for (const p of pay.slice(1)) L.push(`  ${''.padEnd(12)}${p}`);
  }
  return L.join('\n');
}

async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { rpc: { type: 'string' }, json: { type: 'boolean' } }, STATUS_USAGE, true);
  if (values.help) return (console.log(STATUS_USAGE), 0);
  if (positionals.length !== 1) throw usageError('job status needs exactly one job ID', STATUS_USAGE);
  const id = '0x' + bytesToHex(hex32(positionals[0]!, 'job ID', STATUS_USAGE)).toLowerCase();
  const client = rpcClient(values);
  try {
    const job = await client.call('job_get', [id]);
    const att = await client.call('job_getAttestations', [id]);
    if (values.json) console.log(JSON.stringify({ ...job, attestations: att }, null, 2));
    else console.log(formatJobStatus(job, att));
    return 0;
  } finally {
    await client.close();
  }
}

// ---- list -------------------------------------------------------------------------------------

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    rpc: { type: 'string' }, status: { type: 'string' }, submitter: { type: 'string' }, solver: { type: 'string' }, limit: { type: 'string' },
    cursor: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' },
  }, LIST_USAGE, true);
  if (values.help) return (console.log(LIST_USAGE), 0);
  if (positionals.length) throw usageError(`unexpected arguments: ${positionals.join(' ')}`, LIST_USAGE);
  const limit = intFlag(values, 'limit', 20, 1, 100, LIST_USAGE);
  const params: RpcNamedParams<'job_list'> = { limit };
  const statuses = Object.values(JOB_STATUS_NAMES);
  if (values.status !== undefined && !statuses.includes(values.status as string)) throw usageError(`--status must be one of ${statuses.join(', ')}, got ${JSON.stringify(values.status)}`, LIST_USAGE);
  for (const k of ['status', 'submitter', 'solver'] as const) if (values[k] !== undefined) params[k] = values[k] as string;
  if (values.cursor !== undefined) params.cursor = '0x' + bytesToHex(hex32(values.cursor as string, '--cursor', LIST_USAGE));
  const client = rpcClient(values);
  try {
    const jobs: JobSummaryJson[] = [];
    let next: string | null;
    do {
      const page = await client.call('job_list', params);
      jobs.push(...page.jobs);
      next = page.nextCursor;
      params.cursor = next;
    } while (values.all && next !== null);
    if (values.json) console.log(JSON.stringify({ jobs, nextCursor: next }, null, 2));
    else {
      for (const j of jobs) {
        console.log(`${j.id}  ${(j.status + (j.outcome ? `/${j.outcome}` : '')).padEnd(20)} bounty ${j.bounty.padStart(8)}  T=${String(j.steps ?? '?').padEnd(6)} ${j.solver ? `solver ${j.solver}` : `submitter ${j.submitter}`}`);
      }
      if (!jobs.length) console.log('no jobs');
      if (next) console.log(`(more: --cursor ${next})`);
    }
    return 0;
  } finally {
    await client.close();
  }
}

export const command: CliCommand = {
  name: 'job', summary: 'submit proof-of-learning jobs, show their status and dispute them over JSON-RPC', usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'submit': return submit(rest);
      case 'status': return status(rest);
      case 'list': return list(rest);
      // loaded only when used: it brings libp2p and the watchtower
      case 'dispute': return (await import('./job-dispute.ts')).disputeCommand(rest);
      case '--help': case '-h': case 'help':
        console.log(`usage: ${usage}`);
        return 0;
      case undefined:
        throw new NodeError('USAGE', `job needs a subcommand (submit, status, list, dispute)\nusage: ${usage}`);
      default:
        throw new NodeError('USAGE', `unknown job subcommand ${JSON.stringify(sub)} (submit, status, list, dispute)\nusage: ${usage}`);
    }
  },
};
