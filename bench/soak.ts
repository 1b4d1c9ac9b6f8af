// npm run soak -- --minutes N [--rate TX_PER_S] [--keep-dir]: the chaos driver of test/chaos.test.ts
// for N minutes: a 4-validator devnet (separate processes), signed transfers over JSON-RPC, validators
// SIGKILLed and restarted one at a time (every other kill right after a commit), partitions, a junk
// gossip peer. A status line on stderr; at the end sent, receipted, lost, kills, restarts, forks and
// WAL bytes per height, then one JSON line. Exits 1 when a receipted transaction is lost or the
// validators fork, 2 on a bad flag.
import { parseArgs } from 'node:util';
import { runChaos, type ChaosStatus } from '../test/helpers/chaos/driver.ts';
import { formatDuration, formatRate, NodeError } from '../node/util/index.ts';

const usage = 'npm run soak -- --minutes N [--rate TX_PER_S] [--keep-dir]';

function numberFlag(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < min || x > max) throw new NodeError('USAGE', `--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}; usage: ${usage}`);
  return x;
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({ options: { minutes: { type: 'string' }, rate: { type: 'string' }, 'keep-dir': { type: 'boolean' } }, strict: true }));
  } catch (e) {
    throw new NodeError('USAGE', `${(e as Error).message}; usage: ${usage}`);
  }
  return {
    minutes: numberFlag(values.minutes, 'minutes', 60, 1, 24 * 60),
    rate: numberFlag(values.rate, 'rate', 20, 1, 1000),
    keepDir: values['keep-dir'] === true,
  };
}

async function main(): Promise<number> {
  const o = options();
  const tty = Boolean(process.stderr.isTTY);
  const totalS = o.minutes * 60;
  let lastLine = 0;
  const status = (s: ChaosStatus) => {
    const el = s.elapsedMs / 1000;
    const line = `soak ${formatDuration(el)}/${formatDuration(totalS)} sent ${s.sent} receipted ${s.receipted} (${formatRate(s.receipted / Math.max(1, el))} tx/s) `
      + `pending ${s.pending} height ${s.height} kills ${s.kills} restarts ${s.restarts} partitions ${s.partitions} junk ${s.junk} ETA ${formatDuration(Math.max(0, totalS - el))}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (Date.now() - lastLine >= 10_000) { lastLine = Date.now(); process.stderr.write(line + '\n'); }
  };
  const r = await runChaos({
    durationMs: totalS * 1000, rate: o.rate, junk: true, faultGapMs: 3000, keepDir: o.keepDir, onStatus: status,
    log: (l) => process.stderr.write(`${tty ? '\r\x1b[2K' : ''}${l}\n`),
  });
  if (tty) process.stderr.write('\n');
  const w = r.wal_bytes_per_height;
  console.log(`sent                  ${r.sent}`);
  console.log(`receipted             ${r.receipted} (${r.pending} still pending at the end)`);
  console.log(`lost                  ${r.lost}`);
  console.log(`kills                 ${r.kills} (${r.kills_after_commit} right after a commit)`);
  console.log(`restarts              ${r.restarts}`);
  console.log(`partitions            ${r.partitions}`);
  console.log(`forks                 ${r.forks} (heights 1..${r.height} compared on ${r.validators} validators)`);
  console.log(`wal_bytes_per_height  max ${w.max}, mean ${w.mean} (${w.samples} validator-heights sampled)`);
  console.log(`junk gossip           ${r.junk.published} messages, ${r.junk.delivered} reaching a validator (${r.junk.oversized} oversized, ${r.junk.mutated} mutated votes/proposals, ${r.junk.identities} peer ids)`);
  if (o.keepDir) console.log(`data                  ${r.dir}`);
  console.log(JSON.stringify({
    minutes: o.minutes, seconds: r.seconds, sent: r.sent, receipted: r.receipted, pending: r.pending, lost: r.lost, duplicates: r.duplicates,
    kills: r.kills, kills_after_commit: r.kills_after_commit, restarts: r.restarts, partitions: r.partitions, forks: r.forks, height: r.height,
    advanced_after_last_restart: r.advanced_after_last_restart, wal_bytes_per_height: w, junk: r.junk, submit_errors: r.submit_errors,
    ...(r.lost ? { lost_hashes: r.lost_hashes } : {}), ...(r.forks ? { fork_heights: r.fork_heights } : {}),
  }));
  return r.lost > 0 || r.forks > 0 || r.duplicates > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  if (e instanceof NodeError) {
    console.error(`error ${e.code}: ${e.message}`);
    process.exit(e.code === 'USAGE' ? 2 : 1);
  }
  console.error(`soak failed: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.POLCHAIN_DEBUG) console.error(e);
  process.exit(1);
});
