/**
 * Times `polchain --help` as a user runs it (a fresh process through bin/polchain.mjs) against two
 * baselines measured in the same run: `node -e 0` (process start) and `node --import tsx -e 0` (the
 * TypeScript loader every polchain command pays). Prints medians on stderr and ends with one JSON line.
 *   npm run bench:cli            (BENCH_CLI_RUNS=N to change the number of runs, default 15)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);

function median(label: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(ms); // the first run warms the file cache
  }
  times.sort((a, b) => a - b);
  const m = times[Math.floor(times.length / 2)]!;
  process.stderr.write(`${label.padEnd(26)} ${m.toFixed(1).padStart(8)} ms (median of ${RUNS})\n`);
  return m;
}

const node = median('node -e 0 (baseline)', ['-e', '0']);
const tsx = median('node --import tsx -e 0', ['--import', 'tsx', '-e', '0']);
const help = median('polchain --help', [resolve(ROOT, 'bin/polchain.mjs'), '--help']);
const version = median('polchain --version', [resolve(ROOT, 'bin/polchain.mjs'), '--version']);
console.log(JSON.stringify({
  bench: 'cli', runs: RUNS, node_ms: +node.toFixed(1), tsx_ms: +tsx.toFixed(1), help_ms: +help.toFixed(1), version_ms: +version.toFixed(1),
  help_over_node: +(help / node).toFixed(2), help_over_tsx: +(help / tsx).toFixed(2), target_help_ms: 300,
}));
