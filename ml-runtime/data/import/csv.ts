// CSV: one sample per row, numeric feature columns and a label column (docs/datasets.md §csv).
import { checkFileBytes, checkSamples, classIndices, finish, limitsOf, parseError, strictNumber, utf8Lines, type ImportOptions, type Imported } from './common.ts';

const bad = (where: string, msg: string, details: Record<string, unknown> = {}) => parseError('csv', where, msg, details);

function fieldsOf(line: string, n: number): string[] {
  if (line.includes('"')) throw bad(`line ${n}`, 'quoted fields are not supported (fields are plain numbers or labels without commas)', { line: n });
  return line.split(',').map((f) => f.trim());
}

function labelColumns(spec: string | undefined, header: string[] | undefined, width: number): number[] {
  if (spec === undefined) return [width - 1];
  const cols = spec.split(',').map((s) => {
    const t = s.trim();
    const byName = header?.indexOf(t) ?? -1;
    if (byName >= 0) return byName;
    if (/^(0|[1-9]\d*)$/.test(t) && Number(t) < width) return Number(t);
    throw bad('header', `label column ${JSON.stringify(t)} is neither a header name nor an index 0..${width - 1}`, { field: t });
  });
  if (new Set(cols).size !== cols.length) throw bad('header', `label column given twice in ${JSON.stringify(spec)}`);
  if (cols.length >= width) throw bad('header', 'no feature column left beside the label column(s)');
  return cols;
}

export function importCsv(bytes: Uint8Array, o: ImportOptions): Imported {
  const l = limitsOf(o);
  checkFileBytes('csv', bytes.length, l);
  const task = o.task ?? 'classification';
  const lines = utf8Lines('csv', bytes);
  let header: string[] | undefined;
  let width = -1;
  let cols: number[] = [];
  let featureCols: number[] = [];
  const features: number[] = [];
  const rawLabels: string[] = [];
  const targets: number[] = [];
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    if (lines[i]!.trim() === '') continue;
    const f = fieldsOf(lines[i]!, n);
    if (width < 0) {
      width = f.length;
      if (width < 2) throw bad(`line ${n}`, `${width} field: a row needs at least one feature and a label`, { line: n });
      // a data row has at most its one class-label field non-numeric, a header (almost always) more
      const isHeader = o.header ?? f.filter((x) => strictNumber(x) === undefined).length >= 2;
      if (isHeader) header = f;
      cols = labelColumns(o.label, header, width);
      featureCols = [...Array(width).keys()].filter((c) => !cols.includes(c));
      if (isHeader) continue;
    }
    if (f.length !== width) throw bad(`line ${n}`, `${f.length} fields, the first row has ${width} (ragged rows)`, { line: n });
    for (const c of featureCols) {
      const v = strictNumber(f[c]!);
      if (v === undefined) throw bad(`line ${n}, column ${c + 1}${header ? ` (${JSON.stringify(header[c])})` : ''}`, `${JSON.stringify(f[c])} is not a finite float32 number`, { line: n, column: c + 1 });
      features.push(v);
    }
    for (const c of cols) {
      if (task === 'classification') {
        if (f[c] === '') throw bad(`line ${n}, column ${c + 1}`, 'empty label', { line: n, column: c + 1 });
        rawLabels.push(f[c]!);
      } else {
        const v = strictNumber(f[c]!);
        if (v === undefined) throw bad(`line ${n}, column ${c + 1}${header ? ` (${JSON.stringify(header[c])})` : ''}`, `target ${JSON.stringify(f[c])} is not a finite float32 number`, { line: n, column: c + 1 });
        targets.push(v);
      }
    }
    checkSamples('csv', ++count, l);
  }
  if (count === 0) throw bad('', header ? 'a header and no data rows' : 'no data rows (the file holds only blank lines)');
  if (task === 'classification' && cols.length !== 1) throw bad('header', 'classification takes one label column');
  const fs = featureCols.length;
  const base = { name: o.name, featureShape: [fs], featureSize: fs, count, featureKind: 'f32' as const, raw: new Float32Array(features) };
  if (task === 'regression') return { dataset: finish('csv', l, { ...base, task, outputSize: cols.length, labels: new Float32Array(targets) }) };
  const c = classIndices('csv', rawLabels, o.classes);
  return { dataset: finish('csv', l, { ...base, task, outputSize: c.outputSize, labels: c.labels }), ...(c.classNames ? { classNames: c.classNames } : {}) };
}
