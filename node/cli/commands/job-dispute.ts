// `polchain job dispute ID --segment J`: the watchtower's machinery for one segment the user names.
// Replays segment J from the solver's checkpoint, shows the comparison with the solver's commitment,
// and if they differ (or with --force) opens a dispute and follows it to the referee's decision.
import { NodeError, createLogger } from '../../util/index.ts';
import { WatchError, notDisputable, shortId, sleep, type SegmentCheck } from '../../watchtower/index.ts';
import { formatHelp, parseAmount, parseFlags, type Options } from '../args.ts';
import { CLIENT_FLAGS, clientSeed, httpRpcUrl, listenAddrs, logLevel } from '../client-flags.ts';
import { watchStack } from '../watch-stack.ts';
import { bytesToHex } from '../../../primitives/index.ts';

import { DISPUTE_USAGE } from './job-dispute-usage.ts';

const flags: Options = {
  segment: { type: 'string', arg: 'J', help: 'the segment to replay and, if it differs, dispute (0 .. segments-1; steps J·k .. min((J+1)·k, T))' },
  force: { type: 'boolean', help: 'open the dispute even when the segment matches (a false challenge: it loses the bond to the solver; for tests and demos)' },
  ...CLIENT_FLAGS,
  'poll-ms': { type: 'string', arg: 'N', help: 'milliseconds between two looks at the dispute (default 1000)' },
};

const summary = `Replays segment J of a job in its dispute window from the solver's checkpoint (fetched and proven
over libp2p) and compares it with the solver's commitment. When they differ it opens a dispute with the
job's dispute bond and follows it: the solver's answer, then state_t and the batch's samples for the
referee, then the decision. "nothing to dispute" exits 0 without spending anything.
Exit codes: 0 nothing to dispute or dispute won, 3 dispute lost (the bond went to the solver), 1 failed, 2 usage.`;

const usageError = (msg: string) => new NodeError('USAGE', `${msg}\nusage: ${DISPUTE_USAGE}`);

function hex32(v: string): Uint8Array {
  const s = v.startsWith('0x') ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw usageError(`job ID must be 32 bytes of hex (64 digits, optional 0x), got ${JSON.stringify(v)}`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

const hx = (b: Uint8Array) => `0x${bytesToHex(b)}`;

/** The comparison as lines: every hash of the segment, ours and the solver's, and where they part. */
export function comparisonLines(c: SegmentCheck): string[] {
  const out = [`segment ${c.segment}: steps ${c.from}..${c.to}, replayed in ${(c.cpuMs / 1000).toFixed(1)} s`];
  if (c.solverTrace) {
    out.push(`  ${'step'.padEnd(8)}${'replayed'.padEnd(68)}solver (proven under its trace root)`);
    c.replayed.forEach((h, i) => {
      const theirs = c.solverTrace![i]!;
      const same = bytesToHex(h) === bytesToHex(theirs);
      out.push(`  ${`h_${c.from + i}`.padEnd(8)}${hx(h).padEnd(68)}${same ? 'same' : hx(theirs)}`);
    });
  } else {
    out.push("  the solver does not serve its trace: comparing the ends with its checkpoints");
    out.push(`  h_${c.from}  replayed ${hx(c.replayed[0]!)}  checkpoint ${hx(c.committedStart)}`);
    out.push(`  h_${c.to}  replayed ${hx(c.replayed[c.replayed.length - 1]!)}  checkpoint ${hx(c.committedEnd)}`);
  }
  if (c.verdict === 'mismatch') out.push(c.firstDiff !== null ? `  first difference at h_${c.firstDiff}` : '  the segment differs');
  return out;
}

export async function disputeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, flags, DISPUTE_USAGE, true);
  if (values.help) return (console.log(formatHelp(DISPUTE_USAGE, flags, summary)), 0);
  if (positionals.length !== 1) throw usageError(positionals.length ? `unexpected arguments: ${positionals.slice(1).join(' ')}` : 'job dispute needs a job ID');
  const id = hex32(positionals[0]!);
  const segText = values.segment as string | undefined;
  if (segText === undefined) throw usageError('--segment J is required');
  if (!/^(0|[1-9][0-9]{0,5})$/.test(segText)) throw usageError(`--segment must be a non-negative integer, got "${segText}"`);
  const segment = Number(segText);
  const rpcUrl = httpRpcUrl(values, usageError);
  const listen = listenAddrs(values, usageError);
  const level = logLevel({ 'log-level': values['log-level'] ?? 'warn' }, usageError);
  const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
  const pollMs = values['poll-ms'] === undefined ? 1000 : Number(values['poll-ms']);
  if (!Number.isSafeInteger(pollMs) || pollMs < 1) throw usageError(`--poll-ms must be a positive integer, got "${String(values['poll-ms'])}"`);
  const force = values.force === true;
  const seed = await clientSeed(values, usageError);
  const logger = createLogger(level, 'polchain-job-dispute');

  const stack = await watchStack({ rpcUrl, seed, fee, listen, logger, startAttempts: 3, fraction: 0, quiet: ['started', 'checked'] });
  const { wt, chain } = stack;
  try {
    await wt.start({ loop: false });
    const st = await chain.status();
    const job = await chain.job(id);
    if (!job) throw new WatchError('WATCH_NOT_DISPUTABLE', `the node does not know job ${hx(id)}`);
    const why = notDisputable(job, st.height, chain.address);
    if (why) throw new WatchError('WATCH_NOT_DISPUTABLE', `job ${shortId(hx(id))} cannot be disputed: ${why}`);
    const check = await wt.checkSegment(job, segment);
    for (const l of comparisonLines(check)) console.log(l);
    if (check.verdict !== 'mismatch' && !force) {
      console.log(check.verdict === 'match'
        ? `segment ${segment} matches the solver's commitment; nothing to dispute`
        : `segment ${segment}: the solver's trace does not start at its own checkpoint ${segment}, so a dispute would lose (start-mismatch); nothing to dispute`);
      return 0;
    }
    if (check.verdict !== 'mismatch') console.log(`--force: disputing segment ${segment} although it matches; a false challenge loses its bond${job.bond !== null ? ` (${job.bond})` : ''} to the solver`);
    const before = await chain.balance();
    const a = await wt.dispute(job, segment, check.claim);
    while (!a.done) {
      await wt.advanceDisputes();
      if (a.done) break;
      if (!wt.disputes.includes(a)) throw new WatchError('WATCH_TX_FAILED', `the dispute of segment ${segment} did not make it on chain`);
      await sleep(pollMs, wt.signal);
    }
    const after = await chain.balance();
    const delta = after - before;
    console.log(`balance ${before} -> ${after} (${delta >= 0n ? '+' : ''}${delta}, fees included)`);
    return a.done.won ? 0 : 3;
  } finally {
    await stack.stop();
  }
}
