// NumPy .npy: a feature array (float32 or uint8, shape [N, ...]) and a label array (docs/datasets.md §npy).
import { checkFileBytes, checkSamples, classIndices, finish, limitsOf, parseError, type ImportOptions, type Imported } from './common.ts';

interface NpyArray { descr: string; shape: number[]; data: Uint8Array }

const DTYPES: Record<string, { bytes: number; what: string }> = {
  '<f4': { bytes: 4, what: 'float32' }, '|u1': { bytes: 1, what: 'uint8' }, '<u1': { bytes: 1, what: 'uint8' }, '|i1': { bytes: 1, what: 'int8' },
  '<i4': { bytes: 4, what: 'int32' }, '<u4': { bytes: 4, what: 'uint32' }, '<i8': { bytes: 8, what: 'int64' }, '<u8': { bytes: 8, what: 'uint64' },
};

/** Parses the header of format versions 1.0, 2.0 and 3.0; the data must be C order, little-endian, one of DTYPES. */
export function parseNpy(b: Uint8Array, what: string): NpyArray {
  const bad = (field: string, msg: string) => parseError('npy', `${what}, ${field}`, msg, { file: what, field });
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (b.length < 10 || magic.some((m, i) => b[i] !== m)) throw bad('magic', 'not an .npy file (no \\x93NUMPY magic)');
  const major = b[6]!;
  if (major < 1 || major > 3) throw bad('version', `format version ${major}.${b[7]} is not 1.0, 2.0 or 3.0`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hl = major === 1 ? dv.getUint16(8, true) : b.length >= 12 ? dv.getUint32(8, true) : -1;
  const start = major === 1 ? 10 : 12;
  if (hl < 0 || start + hl > b.length) throw bad('header', 'truncated header');
  const h = new TextDecoder().decode(b.subarray(start, start + hl));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(h)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(h)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(h)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad('header', `header ${JSON.stringify(h.trim())} lacks descr, fortran_order or shape`);
  if (!DTYPES[descr]) throw bad('descr', `dtype ${JSON.stringify(descr)} is not supported (features: float32 '<f4' or uint8 '|u1'; labels: integers or float32); convert with .astype`);
  if (fortran === 'True') throw bad('fortran_order', 'Fortran-order arrays are not supported; save np.ascontiguousarray(a)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    if (!/^\d+$/.test(s)) throw bad('shape', `${JSON.stringify(s)} is not a dimension`);
    return Number(s);
  });
  if (shape.length === 0) throw bad('shape', 'a scalar, not an array of samples');
  const n = shape.reduce((a, x) => a * x, 1) * DTYPES[descr]!.bytes;
  const data = b.subarray(start + hl);
  if (data.length !== n) throw bad('data', `${data.length} data bytes, shape (${shape.join(', ')}) of ${DTYPES[descr]!.what} needs ${n}`);
  return { descr, shape, data };
}

function numbersOf(a: NpyArray): number[] {
  const dv = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const w = DTYPES[a.descr]!.bytes;
  const out: number[] = [];
  for (let o = 0; o < a.data.length; o += w) {
    switch (a.descr) {
      case '<f4': out.push(dv.getFloat32(o, true)); break;
      case '|i1': out.push(dv.getInt8(o)); break;
      case '<i4': out.push(dv.getInt32(o, true)); break;
      case '<u4': out.push(dv.getUint32(o, true)); break;
      case '<i8': out.push(Number(dv.getBigInt64(o, true))); break;
      case '<u8': out.push(Number(dv.getBigUint64(o, true))); break;
      default: out.push(a.data[o]!);
    }
  }
  return out;
}

export function importNpy(bytes: Uint8Array, o: ImportOptions): Imported {
  const l = limitsOf(o);
  checkFileBytes('npy', bytes.length, l);
  if (!o.labels) throw parseError('npy', '', 'a label array is required (--labels FILE.npy)');
  checkFileBytes('npy', o.labels.length, l, 'label file');
  const x = parseNpy(bytes, 'features');
  const y = parseNpy(o.labels, 'labels');
  const count = x.shape[0]!;
  checkSamples('npy', count, l);
  if (x.descr !== '<f4' && x.descr !== '|u1' && x.descr !== '<u1') throw parseError('npy', 'features, descr', `features must be float32 or uint8, not ${DTYPES[x.descr]!.what}`, { field: 'descr' });
  if (y.shape[0] !== count) throw parseError('npy', 'labels, shape', `${y.shape[0]} labels for ${count} feature rows`, { field: 'shape' });
  const featureShape = x.shape.length > 1 ? x.shape.slice(1) : [1];
  const fs = featureShape.reduce((a, b) => a * b, 1);
  const u8 = x.descr !== '<f4';
  let raw: Uint8Array | Float32Array;
  if (u8) raw = x.data.slice();
  else {
    const v = numbersOf(x);
    const bi = v.findIndex((z) => !Number.isFinite(z));
    if (bi >= 0) throw parseError('npy', `features, element ${bi} (sample ${Math.floor(bi / fs)})`, `${v[bi]} is not finite`, { element: bi });
    raw = new Float32Array(v);
  }
  const base = { name: o.name, featureShape, featureSize: fs, count, featureKind: u8 ? ('u8' as const) : ('f32' as const), raw };
  const lv = numbersOf(y);
  if ((o.task ?? 'classification') === 'regression') {
    if (y.descr !== '<f4') throw parseError('npy', 'labels, descr', `regression targets must be float32, not ${DTYPES[y.descr]!.what}`, { field: 'descr' });
    const k = y.shape.length > 1 ? y.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const bi = lv.findIndex((z) => !Number.isFinite(z));
    if (bi >= 0) throw parseError('npy', `labels, element ${bi}`, `${lv[bi]} is not finite`, { element: bi });
    return { dataset: finish('npy', l, { ...base, task: 'regression', outputSize: k, labels: new Float32Array(lv) }) };
  }
  if (y.descr === '<f4' || y.shape.length !== 1) throw parseError('npy', 'labels, descr', `class labels must be a 1-D integer array, got ${DTYPES[y.descr]!.what} of shape (${y.shape.join(', ')})`, { field: 'descr' });
  const bi = lv.findIndex((z) => !Number.isSafeInteger(z) || z < 0 || z >= 1e9);
  if (bi >= 0) throw parseError('npy', `labels, element ${bi}`, `class ${lv[bi]} is not a non-negative integer`, { element: bi });
  const c = classIndices('npy', lv.map(String), o.classes);
  return { dataset: finish('npy', l, { ...base, task: 'classification', outputSize: c.outputSize, labels: c.labels }) };
}
