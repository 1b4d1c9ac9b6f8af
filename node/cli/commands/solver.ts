// `polchain solver`: runs the proof-of-learning solver worker (node/solver) against any node's JSON-RPC.
// Readable lines for each phase on stdout, a progress bar while training and pino logs on stderr.
import { join } from 'node:path';
import { defaultDataDir } from '../../config/index.ts';
import { NodeError, createLogger, LOG_LEVEL_SYNTAX, Progress } from '../../util/index.ts';
import { SolverMetrics, serveMetrics, type MetricsServer } from '../../metrics/index.ts';
import { Solver, formatEvent, parseCheat, SolverError, type CheatMode, type SolverEvent, type JobResult } from '../../solver/index.ts';
import { parseAmount, parseFlags } from '../args.ts';
import { clientSeed, httpRpcUrl, listenAddrs, logLevel } from '../client-flags.ts';
import type { CliCommand } from '../command.ts';
import { errorMessage } from '../../../primitives/index.ts';

const usage = 'polchain solver --rpc URL (--key FILE | --dev-account I) [--passphrase-file F] [--data-dir DIR] [--p2p-listen MULTIADDR[,...]] '
  + '[--dataset-peer MULTIADDR[,...]] [--max-steps N] [--max-jobs N] [--fee N] [--once] [--metrics-port P] [--log-level LEVELS] [--test-cheat skip-steps:F|wrong-lr[:X]|withhold|fake-unsampled[:J]]';

const help = `${usage}

Watches the node for open proof-of-learning jobs, accepts those it can run (runtime det-1, a bundled
dataset or one a --dataset-peer serves, T <= --max-steps, trainable here within the commit window, enough balance for the bond), trains them, commits, serves checkpoints over
libp2p, opens and reveals when challenged, and reports what it earned.

  --rpc URL             node JSON-RPC endpoint (env POLCHAIN_RPC_URL; default http://127.0.0.1:8545/)
  --key FILE            keystore file written by \`polchain keys new\` (passphrase: --passphrase-file,
                        POLCHAIN_PASSPHRASE or a prompt)
  --dev-account I       sign with well-known dev account I instead (dev networks only)
  --data-dir DIR        where job artifacts go (default $POLCHAIN_DATA_DIR/solver)
  --p2p-listen ADDRS    multiaddrs to serve checkpoints on, comma-separated (default: the addresses of the last run, kept in the data dir, else /ip4/127.0.0.1/tcp/0)
  --dataset-peer ADDRS  libp2p addresses (ending /p2p/<id>), comma-separated, to fetch a job's dataset from
                        when it is not bundled: the submitter's node serves what \`polchain dataset add\` stored
  --max-steps N         largest job (steps) to accept (default 65536)
  --max-jobs N          jobs at the same time (default 1)
  --block-interval-ms MS  the chain's block interval for judging whether T steps (timed here) fit a job's
                        commit window (default: measured from the last 20 blocks, else 1000)
  --fee N               fee per transaction (default 1)
  --once                exit when the first accepted job ends: 0 paid, 3 slashed or given up, 1 otherwise
  --metrics-port P      serve Prometheus metrics (steps, steps/s, loss, events) at http://127.0.0.1:P/metrics
                        (docs/operations.md); off by default
  --log-level LEVELS    stderr log levels, ${LOG_LEVEL_SYNTAX} (default info)
  --test-cheat MODE     TEST ONLY: misbehave (skip-steps:F, wrong-lr[:X], withhold, fake-unsampled[:J]: skip one
                        step in segment J, default the last-but-one, hoping the sample misses it)`;

function usageError(msg: string): NodeError {
  return new NodeError('USAGE', `${msg}\nusage: ${usage}`);
}

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw usageError(`--${name} must be a positive integer, got "${v}"`);
  return Number(v);
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
      'data-dir': { type: 'string' }, 'p2p-listen': { type: 'string' }, 'dataset-peer': { type: 'string' }, 'max-steps': { type: 'string' }, 'max-jobs': { type: 'string' },
      'block-interval-ms': { type: 'string' }, fee: { type: 'string' }, once: { type: 'boolean' }, 'metrics-port': { type: 'string' }, 'log-level': { type: 'string' }, 'test-cheat': { type: 'string' },
    }, usage, true);
    if (values.help) return (console.log(help), 0);
    if (positionals.length) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);

    const rpcUrl = httpRpcUrl(values, usageError);
    // no flag: the solver reuses the addresses it announced before (kept in its data dir), else a free port
    const listen = listenAddrs(values, usageError);
    const datasetPeers = values['dataset-peer'] === undefined ? [] : (values['dataset-peer'] as string).split(',').map((a) => a.trim()).filter(Boolean);
    for (const a of datasetPeers) if (!/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/[0-9]+\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(a)) throw usageError(`--dataset-peer ${JSON.stringify(a)} must be a multiaddr ending in /p2p/<peer id> (the node logs it as "p2p: listening")`);
    const maxSteps = positiveInt(values['max-steps'] as string | undefined, 'max-steps', 65536);
    const maxJobs = positiveInt(values['max-jobs'] as string | undefined, 'max-jobs', 1);
    const blockIntervalMs = values['block-interval-ms'] === undefined ? undefined : positiveInt(values['block-interval-ms'] as string, 'block-interval-ms', 1000);
    const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
    const level = logLevel(values, usageError);
    let cheat: CheatMode | undefined;
    if (values['test-cheat'] !== undefined) {
      try {
        cheat = parseCheat(values['test-cheat'] as string);
      } catch (e) {
        throw usageError(`--test-cheat: ${errorMessage(e)}`);
      }
    }
    const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
    if (metricsPort !== undefined && !(/^[0-9]{1,5}$/.test(values['metrics-port'] as string) && metricsPort <= 65535)) {
      throw usageError(`--metrics-port must be a port number 0..65535, got "${values['metrics-port'] as string}"`);
    }
    const dataDir = (values['data-dir'] as string | undefined) ?? join(process.env.POLCHAIN_DATA_DIR ?? defaultDataDir(), 'solver');
    const seed = await clientSeed(values, usageError);
    const logger = createLogger(level, 'polchain-solver');

    const ui: { bar: Progress | null } = { bar: null };
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const metrics = metricsPort === undefined ? undefined : new SolverMetrics();
    const onEvent = (e: SolverEvent) => {
      metrics?.observe(e);
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
      rpcUrl, seed, dataDir, p2p: listen === undefined ? {} : { listen }, datasetPeers, logger, maxSteps, maxJobs, blockIntervalMs, fee, once: values.once === true, onEvent, cheat,
    });
    let metricsServer: MetricsServer | undefined;
    if (metrics) {
      metricsServer = await serveMetrics(metrics.registry, '127.0.0.1', metricsPort!);
      logger.info({ url: metricsServer.url }, 'metrics server listening');
    }
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
      await metricsServer?.close();
    }
  },
};
