// JSON Lines: one JSON object per line, a numeric feature array and a label (docs/datasets.md §jsonl).
import { checkFileBytes, checkSamples, classIndices, finish, limitsOf, parseError, type ImportOptions, type Imported } from './common.ts';
import { utf8Lines } from './common.ts';

const bad = (n: number, msg: string, field?: string) => parseError('jsonl', `line ${n}${field ? `, field ${field}` : ''}`, msg, { line: n, ...(field ? { field } : {}) });

function f32(v: unknown): number | undefined {
  if (typeof v !== 'number') return undefined;
  const x = Math.fround(v);
  return Number.isFinite(x) ? x : undefined;
}

export function importJsonl(bytes: Uint8Array, o: ImportOptions): Imported {
  const l = limitsOf(o);
  checkFileBytes('jsonl', bytes.length, l);
  const task = o.task ?? 'classification';
  const xf = o.features ?? 'x';
  const yf = o.label ?? 'y';
  const features: number[] = [];
  const rawLabels: string[] = [];
  const targets: number[] = [];
  let fs = -1;
  let ts = -1;
  let count = 0;
  const lines = utf8Lines('jsonl', bytes);
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    if (lines[i]!.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(lines[i]!);
    } catch (e) {
      throw bad(n, `bad JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(n, 'not a JSON object');
    const rec = v as Record<string, unknown>;
    const x = rec[xf];
    if (!Array.isArray(x) || x.length === 0) throw bad(n, 'missing or not a non-empty array of numbers', xf);
    if (fs < 0) fs = x.length;
    else if (x.length !== fs) throw bad(n, `${x.length} features, line 1's sample has ${fs}`, xf);
    x.forEach((e, j) => {
      const z = f32(e);
      if (z === undefined) throw bad(n, `${JSON.stringify(e)} is not a finite float32 number`, `${xf}[${j}]`);
      features.push(z);
    });
    const y = rec[yf];
    if (y === undefined) throw bad(n, 'missing', yf);
    if (task === 'classification') {
      if (typeof y === 'string' && y !== '') rawLabels.push(y);
      else if (typeof y === 'number' && Number.isInteger(y) && y >= 0 && y < 1e9) rawLabels.push(String(y));
      else throw bad(n, `class ${JSON.stringify(y)} is neither a non-negative integer nor a name`, yf);
    } else {
      const ys = Array.isArray(y) ? y : [y];
      if (ts < 0) ts = ys.length;
      else if (ys.length !== ts) throw bad(n, `${ys.length} targets, the first sample has ${ts}`, yf);
      if (ts === 0) throw bad(n, 'no targets', yf);
      ys.forEach((e, j) => {
        const z = f32(e);
        if (z === undefined) throw bad(n, `${JSON.stringify(e)} is not a finite float32 number`, Array.isArray(y) ? `${yf}[${j}]` : yf);
        targets.push(z);
      });
    }
    checkSamples('jsonl', ++count, l);
  }
  if (count === 0) throw parseError('jsonl', '', 'no samples (the file holds only blank lines)');
  const base = { name: o.name, featureShape: [fs], featureSize: fs, count, featureKind: 'f32' as const, raw: new Float32Array(features) };
  if (task === 'regression') return { dataset: finish('jsonl', l, { ...base, task, outputSize: ts, labels: new Float32Array(targets) }) };
  const c = classIndices('jsonl', rawLabels, o.classes);
  return { dataset: finish('jsonl', l, { ...base, task, outputSize: c.outputSize, labels: c.labels }), ...(c.classNames ? { classNames: c.classNames } : {}) };
}
