// `polchain job submit | status | list | dispute | disputes`: posts proof-of-learning jobs, shows them and their disputes over JSON-RPC
// (docs/jobs.md for the protocol, docs/rpc.md "Jobs" for the methods).
import { readFile } from 'node:fs/promises';
import { checkJobTerms, disputeTermsFor, encodeTx, JOB_FLOORS, JOB_LIMITS, JOB_RUNTIMES, JOB_STATUS_NAMES, JOB_WINDOW_NAMES, signTx, type DisputeTerms, type JobTerms, type JobWindows, type TxPayload } from '../../../vm/index.ts';
import { devAccountSeed } from '../../../genesis/index.ts';
import { canonicalSpecJson, checkSpecFitsDataset, parseSpec, segmentCount, type ModelSpec } from '../../../ml-runtime/index.ts';
import { resolveDataset } from '../dataset-ref.ts';
import { type JobAtHeightJson, type JobAttestationsJson, type JobSummaryJson, type RpcNamedParams } from '../../../rpc/index.ts';
import { decryptKeyAsync, Keystore, parseKeystoreFile, type KeystoreFile } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseAmount, parseFlags, requireFlag, type Options } from '../args.ts';
import { JSON_FLAG, KEYSTORE_FLAGS, RPC_FLAG, rpcClient } from '../wallet-flags.ts';
import { disputesCommand, DISPUTES_USAGE } from './job-disputes.ts';
import { formatJobStatus } from './job-status-format.ts';
import { flooredTerms } from './job-floors.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { DISPUTE_USAGE } from './job-dispute-usage.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed, sha256, errorMessage } from '../../../primitives/index.ts';

const SUBMIT_USAGE = 'polchain job submit --spec FILE --dataset NAME|ROOT --bounty N [--reward N] [--stake N] [--q N] [--committee N] '
  + '[--windows accept,commit,challengeDelay,open,attest,reveal] [--dispute-window N] [--move-window N] [--dispute-bond N] [--demand-fee N] '
  + '[--parent ID] [--runtime det-1] [--fee N] [--nonce N] [--wait] [--rpc URL] '
  + '(--key-seed HEX | --key FILE | --from NAME | --dev-account I) [--data-dir DIR] [--passphrase-file FILE]';
const STATUS_USAGE = 'polchain job status ID [--json] [--rpc URL]';
const LIST_USAGE = 'polchain job list [--status S] [--submitter ADDR] [--solver ADDR] [--limit N] [--cursor ID] [--all] [--json] [--rpc URL]';
const usage = `${SUBMIT_USAGE}\n       ${STATUS_USAGE}\n       ${LIST_USAGE}\n       ${DISPUTE_USAGE}\n       ${DISPUTES_USAGE}`;

/** What disputeTermsFor (vm/jobs/terms.ts) gives without flags, for the help text (a test pins them equal); the referee limits are the spec's own. */
export const DISPUTE_DEFAULTS = { window: 20, move: 10, bond: 100n, demandFee: 1n };

const SUBMIT_FLAGS: Options = {
  spec: { type: 'string', arg: 'FILE', help: 'the model spec (JSON); its canonical form goes on chain' },
  dataset: { type: 'string', arg: 'NAME|ROOT', help: "a bundled dataset (mnist, iris, synthetic-classification, synthetic-regression, names: its train split), a dataset stored in --data-dir by `polchain dataset add`, or either's root in hex; the job carries its root and size, and a node on that data dir serves a stored one" },
  bounty: { type: 'string', arg: 'N', help: 'paid to an honest solver (escrowed now)' },
  reward: { type: 'string', arg: 'N', help: "paid per seat, floor(reward / seats), to members whose digest the verdict confirms; the rest is refunded (default and least: the chain's floor for the spec, q and committee, docs/jobs.md §1)" },
  stake: { type: 'string', arg: 'N', help: 'the bond the solver must post (default the bounty; at least ceil(bounty / q))' },
  q: { type: 'string', arg: 'N', help: `segment draws for the committee to replay (default and protocol minimum ${JOB_FLOORS.minQ}; at most ${JOB_LIMITS.maxQ})` },
  committee: { type: 'string', arg: 'N', help: `committee seats (default and protocol minimum ${JOB_FLOORS.minCommitteeSize}; at most ${JOB_LIMITS.maxCommitteeSize})` },
  windows: { type: 'string', arg: 'LIST', help: "six block counts accept,commit,challengeDelay,open,attest,reveal (default 600,600,2,100,100,100, each raised to the chain's floor for the spec and q; given ones must meet it)" },
  'dispute-window': { type: 'string', arg: 'N', help: `blocks after the verdict in which anyone may dispute it or demand chunks (default ${DISPUTE_DEFAULTS.window}; raised to the chain's floor; at most ${JOB_LIMITS.maxWindow})` },
  'move-window': { type: 'string', arg: 'N', help: `blocks each party has for each move of a dispute or demand (default ${DISPUTE_DEFAULTS.move}; raised to the chain's floor; at most ${JOB_LIMITS.maxWindow})` },
  'dispute-bond': { type: 'string', arg: 'N', help: `what a disputer bonds; lost to the other side if proven wrong (default ${DISPUTE_DEFAULTS.bond}; positive)` },
  'demand-fee': { type: 'string', arg: 'N', help: `what an availability demand costs, paid to the solver when its chunk arrives (default ${DISPUTE_DEFAULTS.demandFee}; positive)` },
  parent: { type: 'string', arg: 'ID', help: 'a finalized job whose final weights initialise this one' },
  runtime: { type: 'string', arg: 'NAME', help: `the deterministic runtime (${JOB_RUNTIMES.join(', ')})` },
  fee: { type: 'string', arg: 'N', help: 'transaction fee (default 1)' },
  nonce: { type: 'string', arg: 'N', help: "the sender's nonce (default its pending nonce)" },
  wait: { type: 'boolean', help: 'wait for the receipt and print the job\'s height, status and deadline' },
  ...RPC_FLAG,
  'key-seed': { type: 'string', arg: 'HEX', help: 'sign with this raw 32-byte seed' },
  key: { type: 'string', arg: 'FILE', help: 'sign with this keystore file' },
  from: { type: 'string', arg: 'NAME', help: 'sign with this key of the data dir\'s keystore' },
  'dev-account': { type: 'string', arg: 'I', help: 'sign with dev account I (dev genesis only)' },
  ...KEYSTORE_FLAGS,
};
const SUBMIT_SUMMARY = 'post a proof-of-learning job: escrow the bounty and reward, fix the spec, dataset, windows and dispute terms';
const STATUS_FLAGS: Options = { ...JSON_FLAG, ...RPC_FLAG };
const STATUS_SUMMARY = "show a job: terms, phase and deadline, solver, commitment, committee verdicts, the provisional verdict and dispute window, disputes, demands and payouts";
const LIST_FLAGS: Options = {
  status: { type: 'string', arg: 'S', help: 'only jobs in this status' },
  submitter: { type: 'string', arg: 'ADDR', help: 'only jobs posted by this account' },
  solver: { type: 'string', arg: 'ADDR', help: 'only jobs this account accepted' },
  limit: { type: 'string', arg: 'N', help: 'jobs per page (default 20; 1..100)' },
  cursor: { type: 'string', arg: 'ID', help: 'start after this job id (the previous page\'s last)' },
  all: { type: 'boolean', help: 'follow the pages to the end' },
  ...JSON_FLAG, ...RPC_FLAG,
};
const LIST_SUMMARY = 'list jobs in ascending id order, one line each';

export const DEFAULT_WINDOWS: JobWindows = { accept: 600, commit: 600, challengeDelay: 2, open: 100, attest: 100, reveal: 100 };

const usageError = (msg: string, u = SUBMIT_USAGE) => new NodeError('USAGE', `${msg}\nusage: ${u}`);

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
    throw usageError(`--windows must be six positive integers ${JOB_WINDOW_NAMES.join(',')}, got ${JSON.stringify(v)}`);
  }
  const w = Object.fromEntries(JOB_WINDOW_NAMES.map((n, i) => [n, Number(parts[i]!.trim())])) as unknown as JobWindows;
  for (const n of JOB_WINDOW_NAMES) if (w[n] > JOB_LIMITS.maxWindow) throw usageError(`--windows: ${n} = ${w[n]} exceeds ${JOB_LIMITS.maxWindow} blocks`);
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

/** The dispute flags, checked like the other terms before anything is signed; what is not given disputeTermsFor fills in. */
export function parseDisputeFlags(values: Record<string, unknown>): Partial<DisputeTerms> {
  const out: Partial<DisputeTerms> = {};
  if (values['dispute-window'] !== undefined) out.window = intFlag(values, 'dispute-window', 0, 1, JOB_LIMITS.maxWindow);
  if (values['move-window'] !== undefined) out.move = intFlag(values, 'move-window', 0, 1, JOB_LIMITS.maxWindow);
  // a free dispute could stall any job, a free demand flood any solver: the chain refuses 0
  for (const [flag, key] of [['dispute-bond', 'bond'], ['demand-fee', 'demandFee']] as const) {
    if (values[flag] === undefined) continue;
    const n = parseAmount(values[flag] as string, flag);
    if (n === 0n) throw usageError(`--${flag} must be positive, got 0`);
    out[key] = n;
  }
  return out;
}

async function submit(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, SUBMIT_FLAGS, SUBMIT_USAGE, true);
  if (values.help) return (console.log(formatHelp(SUBMIT_USAGE, SUBMIT_FLAGS, SUBMIT_SUMMARY)), 0);
  if (positionals.length) throw usageError(`unexpected arguments: ${positionals.join(' ')}`);
  const specFile = requireFlag(values, 'spec', SUBMIT_USAGE);
  const datasetName = requireFlag(values, 'dataset', SUBMIT_USAGE);
  const bounty = parseAmount(requireFlag(values, 'bounty', SUBMIT_USAGE), 'bounty');
  if (bounty === 0n) throw usageError('--bounty must be positive');
  const rewardFlag = values.reward === undefined ? undefined : parseAmount(values.reward as string, 'reward');
  const stakeFlag = values.stake === undefined ? undefined : parseAmount(values.stake as string, 'stake');
  const qFlag = intFlag(values, 'q', JOB_FLOORS.minQ, JOB_FLOORS.minQ, JOB_LIMITS.maxQ);
  const committeeSize = intFlag(values, 'committee', JOB_FLOORS.minCommitteeSize, JOB_FLOORS.minCommitteeSize, JOB_LIMITS.maxCommitteeSize);
  const windowsFlag = values.windows === undefined ? undefined : parseWindows(values.windows as string);
  const disputeFlags = parseDisputeFlags(values);
  const parent = values.parent === undefined ? null : hex32(values.parent as string, '--parent', SUBMIT_USAGE);
  const runtime = (values.runtime as string | undefined) ?? JOB_RUNTIMES[0]!;
  if (!JOB_RUNTIMES.includes(runtime)) throw usageError(`--runtime must be one of ${JOB_RUNTIMES.join(', ')}, got ${JSON.stringify(runtime)}`);
  const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
  const { spec: model, bytes: spec } = await loadJobSpec(specFile);
  const ref = resolveDataset(datasetName, (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir());
  const train = ref.dataset;
  if (train.count > JOB_LIMITS.maxDatasetSize) throw usageError(`--dataset ${datasetName}: ${train.count} training samples exceed the chain's limit of ${JOB_LIMITS.maxDatasetSize}`);
  // Refused here, before anything is signed: the chain cannot see a dataset's shape, only its root,
  // so it would escrow the bounty for a job every solver skips until its accept window runs out.
  checkSpecFitsDataset(model, train);
  // q counts draws with replacement; above the number of segments most draws repeat one already made
  // (the protocol minimum is always allowed, whatever the segment count)
  const segments = segmentCount(model.steps, model.checkpointInterval);
  const q = qFlag;
  if (q > Math.max(segments, JOB_FLOORS.minQ)) throw new NodeError('JOB_Q_TOO_LARGE', `--q ${q} exceeds the ${segments} segments of this spec (steps ${model.steps} / checkpointInterval ${model.checkpointInterval}); use --q ${Math.max(segments, JOB_FLOORS.minQ)} or fewer`);
  // the chain's floors (docs/jobs.md §1): defaults meet them, flags below them are refused here
  const floored = flooredTerms(model, { q, committeeSize, bounty }, {
    attestReward: rewardFlag, solverStake: stakeFlag, windows: windowsFlag, disputeWindow: disputeFlags.window, move: disputeFlags.move,
  }, { windows: DEFAULT_WINDOWS, disputeWindow: DISPUTE_DEFAULTS.window, move: DISPUTE_DEFAULTS.move });
  const terms: JobTerms = {
    spec, runtime, datasetRoot: ref.root, datasetSize: train.count, q, committeeSize, windows: floored.windows,
    solverStake: floored.solverStake, bounty, attestReward: floored.attestReward, parent,
    dispute: disputeTermsFor(model, { ...disputeFlags, ...floored.dispute }),
  };
  checkJobTerms(terms); // every other stateless bound the chain checks, as the vm's typed error
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

async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, STATUS_FLAGS, STATUS_USAGE, true);
  if (values.help) return (console.log(formatHelp(STATUS_USAGE, STATUS_FLAGS, STATUS_SUMMARY)), 0);
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
  const { values, positionals } = parseFlags(argv, LIST_FLAGS, LIST_USAGE, true);
  if (values.help) return (console.log(formatHelp(LIST_USAGE, LIST_FLAGS, LIST_SUMMARY)), 0);
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
      case 'disputes': return disputesCommand(rest);
      // loaded only when used: it brings libp2p and the watchtower
      case 'dispute': return (await import('./job-dispute.ts')).disputeCommand(rest);
      case '--help': case '-h': case 'help':
        console.log(`usage: ${usage}\n\n\`polchain job SUBCOMMAND --help\` describes each subcommand's flags.`);
        return 0;
      case undefined:
        throw new NodeError('USAGE', `job needs a subcommand (submit, status, list, dispute, disputes)\nusage: ${usage}`);
      default:
        throw new NodeError('USAGE', `unknown job subcommand ${JSON.stringify(sub)} (submit, status, list, dispute, disputes)\nusage: ${usage}`);
    }
  },
};
