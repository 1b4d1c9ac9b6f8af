// `polchain solver`: runs the proof-of-learning solver worker (node/solver) against any node's JSON-RPC.
// Readable lines for each phase on stdout, a progress bar while training and pino logs on stderr.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { devAccountSeed } from '../../../genesis/index.ts';
import { decryptKeyAsync, type KeystoreFile } from '../../keystore/index.ts';
import { defaultDataDir } from '../../config/index.ts';
import { NodeError, createLogger, parseLogLevels, LOG_LEVEL_SYNTAX, Progress } from '../../util/index.ts';
import { Solver, formatEvent, parseCheat, SolverError, type CheatMode, type SolverEvent, type JobResult } from '../../solver/index.ts';
import { parseAmount, parseFlags } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { errorMessage } from '../../../primitives/index.ts';

const usage = 'polchain solver --rpc URL (--key FILE | --dev-account I) [--passphrase-file F] [--data-dir DIR] [--p2p-listen MULTIADDR[,...]] '
  + '[--max-steps N] [--max-jobs N] [--fee N] [--once] [--log-level LEVELS] [--test-cheat skip-steps:F|wrong-lr[:X]|withhold]';

const help = `${usage}

Watches the node for open proof-of-learning jobs, accepts those it can run (runtime det-1, a bundled
dataset, T <= --max-steps, enough balance for the bond), trains them, commits, serves checkpoints over
libp2p, opens and reveals when challenged, and reports what it earned.

  --rpc URL             node JSON-RPC endpoint (env POLCHAIN_RPC_URL; default http://127.0.0.1:8545/)
  --key FILE            keystore file written by \`polchain keys new\` (passphrase: --passphrase-file,
                        POLCHAIN_PASSPHRASE or a prompt)
  --dev-account I       sign with well-known dev account I instead (dev networks only)
  --data-dir DIR        where job artifacts go (default $POLCHAIN_DATA_DIR/solver)
  --p2p-listen ADDRS    multiaddrs to serve checkpoints on, comma-separated (default: the addresses of the last run, kept in the data dir, else /ip4/127.0.0.1/tcp/0)
  --max-steps N         largest job (steps) to accept (default 65536)
  --max-jobs N          jobs at the same time (default 1)
  --fee N               fee per transaction (default 1)
  --once                exit when the first accepted job ends: 0 paid, 3 slashed or given up, 1 otherwise
  --log-level LEVELS    stderr log levels, ${LOG_LEVEL_SYNTAX} (default info)
  --test-cheat MODE     TEST ONLY: misbehave (skip-steps:F, wrong-lr[:X], withhold)`;

function usageError(msg: string): NodeError {
  return new NodeError('USAGE', `${msg}\nusage: ${usage}`);
}

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw usageError(`--${name} must be a positive integer, got "${v}"`);
  return Number(v);
}

async function loadSeed(values: Record<string, unknown>): Promise<Uint8Array> {
  const keyFile = values.key as string | undefined;
  const dev = values['dev-account'] as string | undefined;
  if (keyFile !== undefined && dev !== undefined) throw usageError('pass only one of --key FILE and --dev-account I');
  if (dev !== undefined) {
    if (!/^(0|[1-9][0-9]*)$/.test(dev)) throw usageError(`--dev-account must be a non-negative integer, got "${dev}"`);
    return devAccountSeed(Number(dev));
  }
  if (!keyFile) throw usageError('one of --key FILE or --dev-account I is required');
  let file: KeystoreFile;
  try {
    file = JSON.parse(await readFile(keyFile, 'utf8')) as KeystoreFile;
  } catch (e) {
    throw new NodeError('KEY_UNAVAILABLE', `cannot read key file ${keyFile}: ${errorMessage(e)}`);
  }
  return decryptKeyAsync(file, await getPassphrase(values['passphrase-file'] as string | undefined, `unlock key file ${keyFile}`));
}

/** The exit code of a --once run: 0 paid, 3 slashed (or given up, which the chain slashes), 1 otherwise. */
export function onceExitCode(results: readonly JobResult[]): number {
  const r = results.find((x) => x.status !== 'lost' && x.status !== 'stopped');
  if (!r) return 1;
  if (r.status === 'finalized') return 0;
  if (r.status === 'slashed' || r.status === 'gave-up') return 3;
  return 1;
}

export const command: CliCommand = {
  name: 'solver', summary: 'run a proof-of-learning solver: accept, train, commit, open and reveal jobs', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      rpc: { type: 'string' }, key: { type: 'string' }, 'dev-account': { type: 'string' }, 'passphrase-file': { type: 'string' },
      'data-dir': { type: 'string' }, 'p2p-listen': { type: 'string' }, 'max-steps': { type: 'string' }, 'max-jobs': { type: 'string' },
      fee: { type: 'string' }, once: { type: 'boolean' }, 'log-level': { type: 'string' }, 'test-cheat': { type: 'string' },
    }, usage, true);
    if (values.help) return (console.log(help), 0);
    if (positionals.length) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);

    const rpcUrl = (values.rpc as string | undefined) ?? process.env.POLCHAIN_RPC_URL ?? 'http://127.0.0.1:8545/';
    try {
      const u = new URL(rpcUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`protocol ${u.protocol}`);
    } catch (e) {
      throw usageError(`--rpc must be an http(s) URL, got "${rpcUrl}" (${errorMessage(e)})`);
    }
    // no flag: the solver reuses the addresses it announced before (kept in its data dir), else a free port
    const listen = ((values['p2p-listen'] as string | undefined) ?? '/ip4/127.0.0.1/tcp/0').split(',').map((s) => s.trim()).filter(Boolean);
    if (!listen.length) throw usageError('--p2p-listen needs at least one multiaddr');
    for (const a of listen) {
      try {
        multiaddr(a);
      } catch (e) {
        throw usageError(`--p2p-listen: "${a}" is not a multiaddr (${errorMessage(e)})`);
      }
    }
    const maxSteps = positiveInt(values['max-steps'] as string | undefined, 'max-steps', 65536);
    const maxJobs = positiveInt(values['max-jobs'] as string | undefined, 'max-jobs', 1);
    const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
    const level = (values['log-level'] as string | undefined) ?? 'info';
    try {
      parseLogLevels(level); // per-module levels as on `start` (info,p2p=debug)
    } catch (e) {
      throw usageError(`--log-level ${errorMessage(e)}`);
    }
    let cheat: CheatMode | undefined;
    if (values['test-cheat'] !== undefined) {
      try {
        cheat = parseCheat(values['test-cheat'] as string);
      } catch (e) {
        throw usageError(`--test-cheat: ${errorMessage(e)}`);
      }
    }
    const dataDir = (values['data-dir'] as string | undefined) ?? join(process.env.POLCHAIN_DATA_DIR ?? defaultDataDir(), 'solver');
    const seed = await loadSeed(values);
    const logger = createLogger(level, 'polchain-solver');

    const ui: { bar: Progress | null } = { bar: null };
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const onEvent = (e: SolverEvent) => {
      if (e.type === 'progress') {
        ui.bar ??= new Progress({ total: e.steps, label: 'train', unit: 'steps' });
        ui.bar.update(e.step, e.loss === null ? undefined : { loss: e.loss });
        return;
      }
      if (ui.bar && e.type !== 'skipped') {
        ui.bar.finish();
        ui.bar = null;
      }
      const line = formatEvent(e);
      if (line !== null) out(line);
    };

    const solver = new Solver({
      rpcUrl, seed, dataDir, p2p: values['p2p-listen'] === undefined ? {} : { listen }, logger, maxSteps, maxJobs, fee, once: values.once === true, onEvent, cheat,
    });
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ signal: sig }, 'stopping the solver');
      void solver.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      try {
        await solver.start();
      } catch (e) {
        if (e instanceof SolverError && e.code === 'SOLVER_STOPPED') return 0;
        throw e;
      }
      const results = await solver.wait();
      ui.bar?.finish();
      if (values.once !== true) return 0;
      return signals > 0 && !results.some((r) => r.status !== 'lost') ? 0 : onceExitCode(results);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
