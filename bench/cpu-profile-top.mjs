// Summarises V8 .cpuprofile files (node --cpu-prof): the functions with the most self time, and
// the files with the most self time, over all given profiles. Usage: node bench/cpu-profile-top.mjs a.cpuprofile ...
import { readFileSync } from 'node:fs';

const byFn = new Map();
const byFile = new Map();
let total = 0;
for (const path of process.argv.slice(2)) {
  const p = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  for (const [id, us] of dt) {
    const n = nodes.get(id);
    const f = n.callFrame;
    const file = (f.url || '(native)').replace(/^.*\/(node_modules|wt-[^/]+)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    total += us;
  }
}
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
console.log(`total sampled ${(total / 1e6).toFixed(1)} s`);
console.log('-- self time by function');
for (const [k, us] of top(byFn, 40)) console.log(`${(us / 1e3).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
console.log('-- self time by file');
for (const [k, us] of top(byFile, 25)) console.log(`${(us / 1e3).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
