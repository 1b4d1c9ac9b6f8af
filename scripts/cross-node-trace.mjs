#!/usr/bin/env node
// Runs the golden transformer trace (scripts/transformer-trace.ts) under every Node binary it finds
// and compares the roots with each other and with ml-runtime/golden/traces.json (cases.transformer).
// Binaries: this Node, node_modules/node/bin/node (`npm i --no-save node@22`), and every path in
// POLCHAIN_NODES (colon-separated) or given as arguments, e.g.
//   cd /tmp/n22 && npm i node@22;  node scripts/cross-node-trace.mjs /tmp/n22/node_modules/node/bin/node
// Exit status 0 when every run matches the committed roots, 1 otherwise. Last line: one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const candidates = [process.execPath, join(root, 'node_modules/node/bin/node'), ...(process.env.POLCHAIN_NODES ?? '').split(':'), ...process.argv.slice(2)];
const binaries = [...new Set(candidates.filter((p) => p && existsSync(p)))];
const want = JSON.parse(readFileSync(join(root, 'ml-runtime/golden/traces.json'), 'utf8')).cases.transformer;
const FIELDS = ['specHash', 'datasetRoot', 'traceRoot', 'checkpointsRoot', 'firstHash', 'lastHash', 'finalLoss'];

const runs = [];
for (const bin of binaries) {
  const r = spawnSync(bin, ['--import', 'tsx', join(root, 'scripts/transformer-trace.ts')], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  let got = null;
  try { got = JSON.parse(line); } catch { /* reported below */ }
  if (r.status !== 0 || !got) {
    runs.push({ bin, ok: false, error: (r.stderr || r.error?.message || 'no output').trim().split('\n').slice(-3).join(' | ') });
    continue;
  }
  const diff = FIELDS.filter((f) => got[f] !== want[f]);
  runs.push({ bin, node: got.node, ok: diff.length === 0, traceRoot: got.traceRoot, diff });
}
for (const r of runs) console.log(`${r.ok ? 'match   ' : 'MISMATCH'} ${r.node ?? '?'} ${r.bin}${r.ok ? '' : ` ${r.error ?? `differs in ${r.diff.join(', ')}`}`}`);
const versions = runs.filter((r) => r.node).map((r) => r.node);
console.log(JSON.stringify({ committedTraceRoot: want.traceRoot, nodes: versions, allMatch: runs.length > 0 && runs.every((r) => r.ok), runs }));
process.exitCode = runs.length > 0 && runs.every((r) => r.ok) ? 0 : 1;
