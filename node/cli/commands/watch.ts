// `polchain watch`: runs the watchtower (node/watchtower) against any node's JSON-RPC: it replays a
// share of the segments each job's committee did not sample and disputes any the solver faked.
// Readable lines on stdout, a status line every --status-every seconds, pino logs on stderr.
import { NodeError, createLogger } from '../../util/index.ts';
import { DEFAULT_FRACTION, WatchError, statusLine } from '../../watchtower/index.ts';
import { formatHelp, parseAmount, parseFlags, type Options } from '../args.ts';
import { CLIENT_FLAGS, clientSeed, httpRpcUrl, listenAddrs, logLevel } from '../client-flags.ts';
import { watchStack } from '../watch-stack.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain watch --rpc URL (--key FILE | --dev-account I) [--passphrase-file F] [--fraction F] [--p2p-listen ADDRS] '
  + '[--poll-ms N] [--status-every S] [--fee N] [--log-level LEVELS]';

const flags: Options = {
  ...CLIENT_FLAGS,
  fraction: { type: 'string', arg: 'F', help: `share of each job's unsampled segments to replay, 0..1 (default ${DEFAULT_FRACTION}); which ones is a function of this key, the job and its sample, so watchtowers with different keys cover different segments` },
  'poll-ms': { type: 'string', arg: 'N', help: 'milliseconds between two rounds of work (default 2000)' },
  'status-every': { type: 'string', arg: 'S', help: 'seconds between two status lines (default 60)' },
};

const summary = `Follows the jobs in their dispute window (status provisional), fetches the solvers' checkpoints and
trace over libp2p, replays the chosen segments on the det runtime and compares them with what the
solver committed. A segment that differs is disputed with the job's dispute bond, and the dispute is
followed to the referee's decision (state_t and the batch's samples are put on chain). A won dispute
returns the bond with a share of the solver's slashed bond; a lost one gives the bond to the solver.
Use a key for watching only: earnings are measured on its balance. Stops on SIGINT/SIGTERM with a
last status line (exit 0).`;

const usageError = (msg: string) => new NodeError('USAGE', `${msg}\nusage: ${usage}`);

export function parseFraction(v: string | undefined): number {
  if (v === undefined) return DEFAULT_FRACTION;
  const f = Number(v);
  if (v.trim() === '' || !Number.isFinite(f) || f < 0 || f > 1) throw usageError(`--fraction must be a number in [0, 1], got "${v}"`);
  return f;
}

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw usageError(`--${name} must be a positive integer, got "${v}"`);
  return Number(v);
}

export const command: CliCommand = {
  name: 'watch', summary: 'run a watchtower: replay unsampled segments of jobs in their dispute window and dispute fakes', usage,
  async run(argv) {
    const { values } = parseFlags(argv, flags, usage);
    if (values.help) return (console.log(formatHelp(usage, flags, summary)), 0);
    const rpcUrl = httpRpcUrl(values, usageError);
    const listen = listenAddrs(values, usageError);
    const level = logLevel(values, usageError);
    const fraction = parseFraction(values.fraction as string | undefined);
    const pollIntervalMs = positiveInt(values['poll-ms'] as string | undefined, 'poll-ms', 2000);
    const statusIntervalMs = positiveInt(values['status-every'] as string | undefined, 'status-every', 60) * 1000;
    const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
    const seed = await clientSeed(values, usageError);
    const logger = createLogger(level, 'polchain-watch');

    const stack = await watchStack({ rpcUrl, seed, fee, listen, logger, startAttempts: 20, fraction, pollIntervalMs, statusIntervalMs });
    let signals = 0;
    let stopped!: () => void;
    const done = new Promise<void>((r) => (stopped = r));
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ signal: sig }, 'stopping the watchtower');
      stopped();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      try {
        await stack.wt.start();
      } catch (e) {
        if (e instanceof WatchError && e.code === 'WATCH_STOPPED') return 0;
        throw e;
      }
      await done;
      await stack.wt.stop();
      try {
        console.log(await stack.wt.statusNow());
      } catch {
        console.log(statusLine(stack.wt.stats, null)); // the node went away: the last known numbers
      }
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await stack.stop();
    }
  },
};
