// Summarises on-CPU samples from Linux `perf` (see docs/bft-node.md, "Profiling on-CPU"): where the
// processes' CPU went, by category (ed25519, BLS, GC, JIT, libp2p, LevelDB, ...), by self frame or by
// inclusive frame, optionally per second. V8's --cpu-prof samples wall time, so on a 2-core machine
// running four validators it charges descheduled time to whatever was on the stack; perf does not.
//
//   rm -f /tmp/perf-*.map
//   NODE_OPTIONS=--perf-basic-prof perf record -F 499 -g -o run.perf -- npm run bench:consensus
//   perf script -i run.perf -F pid,tid,time,ip,sym > run.script
//   node bench/perf-top.mjs run.script                      # the 4 busiest processes, by category
//   node bench/perf-top.mjs run.script --procs 4 --from 120.5 --to 126 --by self --grep mempool
//   node bench/perf-top.mjs run.script --per-second         # find the load window first
//
// Options: --procs N (the N processes with most samples, default 4) or --pids a,b,c; --from/--to
// (perf timestamps, seconds); --by category|self|incl (default category); --grep REGEX (rows shown);
// --top K (rows, default 40); --per-second (samples per second and the GC/JIT/ed25519 shares).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const CATEGORIES = [
  ['ed25519', /ed25519/],
  ['bls', /wasm-function|mcl/],
  ['gc', /v8::internal::(Heap|Scaveng|MarkingVisitor|BodyDescriptor|MemoryChunk|HeapObject|MarkCompact|ArrayBufferSweeper|MinorMarkCompact|ConcurrentMarking|Sweeper|\w*Marking|GCTracer|MemoryAllocator|PagedSpace|NewSpace|LocalHeap)|ScavengeJob|PretenuringHandler/],
  ['jit', /v8::internal::(compiler|maglev|baseline|Compiler|Parser|Scanner|interpreter::BytecodeGenerator)|Turbofan|OptimizingCompile/],
  ['leveldb', /leveldb|classic-level|abstract-level/],
  ['module loading', /esm\/|cjs\/|loader|cjs-module-lexer|source_map|tsx\//],
  ['libp2p', /node_modules\/(@libp2p|libp2p|@chainsafe|it-|uint8arraylist|multiformats|protons|race-|main-event|p-queue)/],
  ['msgpack', /msgpackr/],
  ['sha256', /sha256|SHA256|sha512/],
];
const PER_SECOND = [['gc', CATEGORIES[2][1]], ['jit', CATEGORIES[3][1]], ['ed25519', CATEGORIES[0][1]]];

function usage(msg) {
  process.stderr.write(`perf-top: ${msg}\nusage: node bench/perf-top.mjs FILE [--procs N | --pids a,b] [--from S] [--to S] [--by category|self|incl] [--grep RE] [--top K] [--per-second]\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      procs: { type: 'string', default: '4' }, pids: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
      by: { type: 'string', default: 'category' }, grep: { type: 'string' }, top: { type: 'string', default: '40' },
      'per-second': { type: 'boolean', default: false },
    },
  });
} catch (e) {
  usage(e.message);
}
const { values: opt, positionals } = parsed;
if (positionals.length !== 1) usage('give one `perf script` output file');
const num = (name, v) => { const n = Number(v); if (!Number.isFinite(n)) usage(`--${name} must be a number, got ${JSON.stringify(v)}`); return n; };
const from = opt.from === undefined ? -Infinity : num('from', opt.from);
const to = opt.to === undefined ? Infinity : num('to', opt.to);
const topK = num('top', opt.top);
if (!['category', 'self', 'incl'].includes(opt.by)) usage(`--by must be category, self or incl, got ${JSON.stringify(opt.by)}`);
const grep = opt.grep ? new RegExp(opt.grep) : undefined;

// Our own code is named by its path under the repository; anything else by its first frame.
const repoRoot = new URL('..', import.meta.url).pathname;
function categoryOf(frames) {
  // The innermost frame that names a category or our own file decides: mempool code called from a
  // libp2p gossip handler is the mempool's.
  for (const f of frames) {
    for (const [name, rx] of CATEGORIES) if (rx.test(f)) return name;
    const i = f.indexOf(repoRoot);
    if (i >= 0 && !f.includes('node_modules')) return `ours: ${f.slice(i + repoRoot.length).replace(/:\d+(:\d+)?$/, '')}`;
  }
  for (const f of frames) if (f.startsWith('JS:') || f.includes('node_modules')) return `js: ${f.slice(0, 80)}`;
  return `native: ${(frames[0] ?? '?').slice(0, 80)}`;
}

// Two passes' worth of state in one: samples are kept per process (category, self, incl keys and
// second) so that the busiest processes can be chosen after reading.
const perPid = new Map();
function pidState(pid) {
  let s = perPid.get(pid);
  if (!s) perPid.set(pid, (s = { samples: 0, first: Infinity, last: -Infinity, rows: new Map(), seconds: new Map() }));
  return s;
}
const bump = (m, k, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

let pid;
let time = 0;
let frames = [];
function flush() {
  if (pid === undefined) return;
  const s = pidState(pid);
  s.first = Math.min(s.first, time);
  s.last = Math.max(s.last, time);
  if (time < from || time > to) return;
  s.samples++;
  if (opt.by === 'category') bump(s.rows, categoryOf(frames));
  else if (opt.by === 'self') bump(s.rows, frames[0] ?? '?');
  else for (const f of new Set(frames)) bump(s.rows, f);
  if (opt['per-second']) {
    const sec = Math.floor(time);
    const row = s.seconds.get(sec) ?? s.seconds.set(sec, { n: 0, gc: 0, jit: 0, ed25519: 0 }).get(sec);
    row.n++;
    for (const [k, rx] of PER_SECOND) if (frames.some((f) => rx.test(f))) row[k]++;
  }
}

const header = /^\s*(\d+)\/\d+\s+([\d.]+):/;
const rl = createInterface({ input: createReadStream(positionals[0]).on('error', (e) => usage(`cannot read ${positionals[0]}: ${e.message}`)), crlfDelay: Infinity });
let lines = 0;
for await (const line of rl) {
  if (!line.trim()) continue;
  lines++;
  if (!/^\s/.test(line) || header.test(line)) {
    const m = header.exec(line);
    if (!m) continue;
    flush();
    pid = m[1];
    time = Number(m[2]);
    frames = [];
    continue;
  }
  const t = line.trim();
  const sp = t.indexOf(' ');
  frames.push(sp < 0 ? t : t.slice(sp + 1));
}
flush();
if (perPid.size === 0) usage(`no samples in ${positionals[0]} (${lines} lines); expected \`perf script -F pid,tid,time,ip,sym\` output`);

const all = [...perPid].sort((a, b) => b[1].samples - a[1].samples);
const chosen = opt.pids ? opt.pids.split(',').map((p) => p.trim()) : all.slice(0, num('procs', opt.procs)).map(([p]) => p);
for (const p of chosen) if (!perPid.has(p)) usage(`no samples from pid ${p}`);

console.log('-- processes (samples in the window, first and last sample time)');
for (const [p, s] of all.slice(0, 12)) console.log(`${chosen.includes(p) ? '*' : ' '} ${p.padStart(8)} ${String(s.samples).padStart(8)}  ${s.first.toFixed(2)}-${s.last.toFixed(2)}`);

const rows = new Map();
let total = 0;
for (const p of chosen) {
  const s = perPid.get(p);
  total += s.samples;
  for (const [k, n] of s.rows) bump(rows, k, n);
}
console.log(`-- by ${opt.by}: ${total} samples from ${chosen.length} process(es)${Number.isFinite(from) || Number.isFinite(to) ? `, ${opt.from ?? 'start'}-${opt.to ?? 'end'} s` : ''}`);
const pct = (n, d) => (d ? ((100 * n) / d).toFixed(1) : '0.0').padStart(5);
let shown = 0;
for (const [k, n] of [...rows].sort((a, b) => b[1] - a[1])) {
  if (grep && !grep.test(k)) continue;
  console.log(`${String(n).padStart(8)} ${pct(n, total)}%  ${k.slice(0, 160)}`);
  if (++shown >= topK) break;
}

if (opt['per-second']) {
  console.log('-- per second (chosen processes): samples, gc %, jit %, ed25519 %');
  const secs = new Map();
  for (const p of chosen) for (const [sec, r] of perPid.get(p).seconds) {
    const t = secs.get(sec) ?? secs.set(sec, { n: 0, gc: 0, jit: 0, ed25519: 0 }).get(sec);
    for (const k of Object.keys(t)) t[k] += r[k];
  }
  for (const [sec, r] of [...secs].sort((a, b) => a[0] - b[0])) console.log(`${sec} ${String(r.n).padStart(6)} ${pct(r.gc, r.n)} ${pct(r.jit, r.n)} ${pct(r.ed25519, r.n)}`);
}
