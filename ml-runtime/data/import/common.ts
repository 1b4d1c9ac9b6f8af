// What every importer of a user's dataset file shares: the typed errors, the limits, strict numbers,
// class labels and UTF-8 checked lines (docs/datasets.md, "Bring your own dataset").
import { MlError } from '../../commitment/errors.ts';
import { makeDataset, encodeSample, type Dataset } from '../../commitment/dataset.ts';

export type ImportFormat = 'csv' | 'jsonl' | 'npy' | 'text';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'jsonl', 'npy', 'text'];

export interface ImportLimits {
  /** bytes of the input file(s) */
  maxFileBytes: number;
  /** samples of the dataset */
  maxSamples: number;
  /** bytes of all canonical sample encodings together (what DA serves) */
  maxEncodedBytes: number;
}

/** Defaults: the chain's dataset size limit (JOB_LIMITS.maxDatasetSize) and DA's byte limit; a node may pass lower ones. */
export const IMPORT_LIMITS: ImportLimits = { maxFileBytes: 256 * 1024 * 1024, maxSamples: 1 << 20, maxEncodedBytes: 1024 * 1024 * 1024 };

export interface ImportOptions {
  name: string;
  /** csv, jsonl, npy (default classification) */
  task?: 'classification' | 'regression';
  /** csv: label column(s) by header name or 0-based index, comma-separated (default: the last column); jsonl: the label field (default "y") */
  label?: string;
  /** jsonl: the features field (default "x") */
  features?: string;
  /** csv: whether the first row is a header (default: when any of its fields is not a number) */
  header?: boolean;
  /** classification: the number of classes (default: highest class + 1, or the number of class names) */
  classes?: number;
  /** text: tokens per window (default 64) and the step between window starts (default context / 2) */
  context?: number;
  stride?: number;
  /** npy: the label array file's bytes */
  labels?: Uint8Array;
  limits?: Partial<ImportLimits>;
}

export interface Imported {
  dataset: Dataset;
  /** classification with named classes: class i is classNames[i] */
  classNames?: string[];
}

export const parseError = (format: ImportFormat, where: string, msg: string, details: Record<string, unknown> = {}): MlError =>
  new MlError('DATASET_PARSE', `${format}: ${where ? `${where}: ` : ''}${msg}`, { format, ...details });

export function limitsOf(o: ImportOptions): ImportLimits {
  return { ...IMPORT_LIMITS, ...o.limits };
}

export function checkFileBytes(format: ImportFormat, n: number, l: ImportLimits, what = 'file'): void {
  if (n > l.maxFileBytes) throw new MlError('DATASET_TOO_LARGE', `${format}: the ${what} is ${n} bytes, the limit is ${l.maxFileBytes}`, { format, bytes: n });
  if (n === 0) throw parseError(format, '', `the ${what} is empty`);
}

export function checkSamples(format: ImportFormat, count: number, l: ImportLimits): void {
  if (count > l.maxSamples) throw new MlError('DATASET_TOO_LARGE', `${format}: more than ${l.maxSamples} samples`, { format, samples: count });
}

/** Builds the dataset after the encoded-size check, so nothing over the limit is ever assembled into a Dataset. */
export function finish(format: ImportFormat, l: ImportLimits, d: Parameters<typeof makeDataset>[0]): Dataset {
  if (d.count < 1) throw parseError(format, '', 'no samples');
  checkSamples(format, d.count, l);
  let ds: Dataset;
  try {
    ds = makeDataset(d);
  } catch (e) {
    throw e instanceof MlError ? parseError(format, '', e.message.replace(/^DATASET_INVALID: /, '')) : e;
  }
  const per = encodeSample(ds, 0).length;
  if (per * d.count > l.maxEncodedBytes) throw new MlError('DATASET_TOO_LARGE', `${format}: ${d.count} samples of ${per} bytes exceed the limit of ${l.maxEncodedBytes} encoded bytes`, { format, bytes: per * d.count });
  return ds;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number that is finite as float32, else undefined (no hex, no "Infinity", no empty string). */
export function strictNumber(s: string): number | undefined {
  if (!NUMBER.test(s)) return undefined;
  const v = Math.fround(Number(s));
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Class labels to indices: when every label is a non-negative integer it is its own class index;
 * otherwise the distinct labels sorted by code unit are classes 0, 1, 2, ...
 */
export function classIndices(format: ImportFormat, labels: string[], classes: number | undefined): { labels: Uint32Array; outputSize: number; classNames?: string[] } {
  const out = new Uint32Array(labels.length);
  if (labels.every((s) => /^(0|[1-9]\d{0,8})$/.test(s))) {
    let max = 0;
    labels.forEach((s, i) => { out[i] = Number(s); if (out[i]! > max) max = out[i]!; });
    const outputSize = classes ?? max + 1;
    if (max >= outputSize) throw parseError(format, '', `class ${max} is not below --classes ${outputSize}`);
    return { labels: out, outputSize };
  }
  const names = [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const at = new Map(names.map((n, i) => [n, i]));
  labels.forEach((s, i) => { out[i] = at.get(s)!; });
  if (classes !== undefined && classes !== names.length) throw parseError(format, '', `${names.length} class names, --classes says ${classes}`);
  return { labels: out, outputSize: names.length, classNames: names };
}

/** Byte offset and 1-based line of the first byte that is not valid UTF-8, or undefined when all is valid. */
export function firstInvalidUtf8(b: Uint8Array): { offset: number; line: number } | undefined {
  let line = 1;
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c === 0x0a) line++;
    let n = 0, min = 0;
    if (c < 0x80) { i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; } else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; } else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; } else return { offset: i, line };
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return { offset: i, line };
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { offset: i, line };
    i += n + 1;
  }
  return undefined;
}

/** The file as lines (\n or \r\n), after the UTF-8 check; a leading byte-order mark is dropped. */
export function utf8Lines(format: ImportFormat, bytes: Uint8Array): string[] {
  const bad = firstInvalidUtf8(bytes);
  if (bad) throw parseError(format, `line ${bad.line}`, `byte ${bad.offset} is not valid UTF-8`, bad);
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
