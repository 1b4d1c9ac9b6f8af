// npm run bench:consensus-sim — the real consensus engine (ed25519 votes, the real codec) with 4, 25
// and 100 validators on a simulated WAN (test/helpers/wan-sim.ts): 50-200 ms one-way per link,
// 0-20 ms jitter, 1% loss, 1 Gbit/s uplinks, gossipsub flood-publish + mesh relay (D = 6, at most 50
// connections), the node's block-sync/catch-up loop, DEV_TIMEOUTS, 500 ms commit wait, blocks of
// 2,000 real transfers named by hash in compact proposals (as the node gossips them), with one row of
// 100 validators gossiping whole blocks for comparison. Prints heights/s (virtual time), rounds per
// height, messages and bytes per height per validator and their growth from 4 to 25 to 100; CPU is
// this process's user + system time running every validator (and the simulator), wall time is in the
// JSON. Progress on stderr; the last line is JSON.
// BENCH_SIM_HEIGHTS=4,25,100 heights per size (default 20,10,5); BENCH_SIM_SILENT_HEIGHTS for the extra
// row of 100 validators with 33 silent (default 5, 0 skips it); BENCH_SIM_WHOLE_HEIGHTS for the row of
// 100 with whole-block proposals (default 5, 0 skips it); BENCH_SIM_SEED; BENCH_SIM_BLOCK_TXS.
import { WanSim, transferBytes } from '../test/helpers/wan-sim.ts';
import { summarize, type WanSummary } from '../test/helpers/wan-report.ts';
import { Progress } from '../node/util/index.ts';

const SIZES = [4, 25, 100];
const HEIGHTS = (process.env.BENCH_SIM_HEIGHTS ?? '20,10,5').split(',').map(Number);
const SEED = Number(process.env.BENCH_SIM_SEED ?? 1);
const BLOCK_TXS = Number(process.env.BENCH_SIM_BLOCK_TXS ?? 2000);
const SILENT_HEIGHTS = Number(process.env.BENCH_SIM_SILENT_HEIGHTS ?? 5);
const WHOLE_HEIGHTS = Number(process.env.BENCH_SIM_WHOLE_HEIGHTS ?? 5);
const say = (s: string) => process.stderr.write(s + '\n');

interface Row { n: number; silent: number; whole: boolean; s: WanSummary; wallMs: number; cpuMs: number }

function measure(n: number, heights: number, silent: number, whole = false): Row {
  const sim = new WanSim({ validators: n, silent, heights, seed: SEED, blockTxs: BLOCK_TXS, compactProposals: !whole });
  const bar = new Progress({ total: heights, label: `${n} validators${silent ? `, ${silent} silent` : ''}${whole ? ', whole blocks' : ''}`, unit: 'heights' });
  sim.onHeight = (h) => bar.update(Number(h));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ok = sim.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  bar.finish();
  const s = summarize(sim);
  if (!ok || !s.agreed) throw new Error(`${n} validators: committed ${s.heights} of ${heights} heights, agreed ${s.agreed}, forks ${s.forks.length}`);
  return { n, silent, whole, s, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

say(`block: ${BLOCK_TXS} transfers x ${transferBytes().length} B; seed ${SEED}`);
const rows = SIZES.map((n, i) => measure(n, HEIGHTS[i] ?? HEIGHTS[HEIGHTS.length - 1]!, 0));
// the same 100 with a third of them (less one) offline: what silent proposers cost in rounds
const silentRow = SILENT_HEIGHTS > 0 ? [measure(100, SILENT_HEIGHTS, 33)] : [];
// the same 100 gossiping whole blocks in their proposals: what compact proposals save
if (WHOLE_HEIGHTS > 0) silentRow.push(measure(100, WHOLE_HEIGHTS, 0, true));

const kB = (b: number) => (b / 1024).toFixed(1);
const f1 = (x: number) => x.toFixed(1);
const pv = (r: Row) => r.s.perValidatorHeight;
console.log('per validator per height (means over validators and heights); virtual time for rates, this process\'s CPU for cost');
console.log('validators  heights  heights/s  rounds mean/max  msgs sent  msgs recv  kB sent  kB recv  dup recv  lost  CPU ms/height  CPU ms/height/validator');
const label = (r: Row) => (r.whole ? `${r.n} whole` : r.silent ? `${r.n}-${r.silent}` : String(r.n)).padStart(10);
for (const r of [...rows, ...silentRow]) {
  const p = pv(r);
  console.log(`${label(r)}  ${String(r.s.heights).padStart(7)}  ${r.s.heightsPerS.toFixed(3).padStart(9)}  ${`${r.s.roundsMean.toFixed(2)} / ${r.s.roundsMax}`.padStart(15)}  ${f1(p.sentMsgs).padStart(9)}  ${f1(p.receivedMsgs).padStart(9)}  ${kB(p.sentBytes).padStart(7)}  ${kB(p.receivedBytes).padStart(7)}  ${f1(p.duplicates).padStart(8)}  ${f1(p.lost).padStart(4)}  ${(r.cpuMs / r.s.heights).toFixed(0).padStart(13)}  ${(r.cpuMs / r.s.heights / r.n).toFixed(1).padStart(23)}`);
}
console.log('of which, per validator per height, sent / received: proposal gossip | vote gossip | block sync | catch-up (relays and duplicates included)');
for (const r of [...rows, ...silentRow]) {
  const k = pv(r).byKind;
  const cell = (c: typeof k.vote) => `${f1(c.sentMsgs)}/${f1(c.receivedMsgs)} msgs ${kB(c.sentBytes)}/${kB(c.receivedBytes)} kB`;
  console.log(`${label(r)}  ${cell(k.proposal)} | ${cell(k.vote)} | ${cell(k.sync)} | ${cell(k.catchup)}`);
}
const ratio = (a: Row, b: Row, f: (r: Row) => number) => +(f(b) / f(a)).toFixed(2);
const growth = (a: Row, b: Row) => ({
  msgs_sent: ratio(a, b, (r) => pv(r).sentMsgs), msgs_received: ratio(a, b, (r) => pv(r).receivedMsgs),
  bytes_sent: ratio(a, b, (r) => pv(r).sentBytes), bytes_received: ratio(a, b, (r) => pv(r).receivedBytes),
  vote_msgs_received: ratio(a, b, (r) => pv(r).byKind.vote.receivedMsgs), vote_bytes_received: ratio(a, b, (r) => pv(r).byKind.vote.receivedBytes),
  cpu_ms_per_height: ratio(a, b, (r) => r.cpuMs / r.s.heights), heights_per_s: ratio(a, b, (r) => r.s.heightsPerS),
});
const [r4, r25, r100] = rows as [Row, Row, Row];
const g1 = growth(r4, r25), g2 = growth(r25, r100);
console.log(`growth 25/4:   ${Object.entries(g1).map(([k, v]) => `${k} x${v}`).join('  ')}`);
console.log(`growth 100/25: ${Object.entries(g2).map(([k, v]) => `${k} x${v}`).join('  ')}`);
console.log(JSON.stringify({
  block_txs: BLOCK_TXS, seed: SEED,
  sizes: [...rows, ...silentRow].map((r) => ({
    validators: r.n, silent: r.silent, compact_proposals: !r.whole, heights: r.s.heights, heights_per_s: +r.s.heightsPerS.toFixed(3), rounds_mean: +r.s.roundsMean.toFixed(2), rounds_max: r.s.roundsMax,
    msgs_sent: +pv(r).sentMsgs.toFixed(1), msgs_received: +pv(r).receivedMsgs.toFixed(1), bytes_sent: Math.round(pv(r).sentBytes), bytes_received: Math.round(pv(r).receivedBytes),
    vote_msgs_received: +pv(r).byKind.vote.receivedMsgs.toFixed(1), vote_bytes_received: Math.round(pv(r).byKind.vote.receivedBytes),
    cpu_ms_per_height: Math.round(r.cpuMs / r.s.heights), wall_ms: Math.round(r.wallMs),
  })),
  growth_25_4: g1, growth_100_25: g2,
}));
