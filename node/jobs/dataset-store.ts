// Users' datasets kept in the data dir (`polchain dataset add`), by name and by Merkle root, so that
// the node can serve them over DA like the bundled ones (docs/datasets.md "Storage").
//
// <dataDir>/datasets/<root hex>.bin   the raw feature array then the label array, little-endian
// <dataDir>/datasets/<root hex>.json  what the arrays are (written last: its presence marks a whole entry)
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DATASET_NAMES, datasetRoot, encodeSample, makeDataset, type Dataset, type FeatureKind, type Task } from '../../ml-runtime/index.ts';
import { JobsError } from './errors.ts';
import { fsyncPath, writeAllSync, writeFileDurably } from './artifact-files.ts';
import { bytesToHex, errorMessage } from '../../primitives/index.ts';

const FORMAT = 'polchain/stored-dataset/v1';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface StoredDatasetInfo {
  format: typeof FORMAT;
  name: string;
  root: string;
  count: number;
  /** bytes of all canonical sample encodings (what DA serves) */
  encodedBytes: number;
  task: Task;
  featureKind: FeatureKind;
  featureShape: number[];
  outputSize: number;
  /** where it came from: the input format and file name as given */
  source: { format: string; file: string };
  classNames?: string[];
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class DatasetStore {
  private readonly cache = new Map<string, Dataset>();
  constructor(readonly dir: string) {}

  private file(rootHex: string, ext: 'bin' | 'json'): string {
    return join(this.dir, `${rootHex}.${ext}`);
  }

  /** DATASET_NAME unless `name` may name a stored dataset (checked before a file is read, and again on add). */
  static checkName(name: string): void {
    if (!NAME.test(name)) throw new JobsError('DATASET_NAME', `dataset name ${JSON.stringify(name)} must be 1..64 of A-Z a-z 0-9 . _ - and start with a letter or digit`);
    if ((DATASET_NAMES as readonly string[]).includes(name)) throw new JobsError('DATASET_NAME', `${JSON.stringify(name)} is a bundled dataset's name; choose another with --name`);
  }

  /** Every stored dataset's description, by name. */
  list(): StoredDatasetInfo[] {
    if (!existsSync(this.dir)) return [];
    const out: StoredDatasetInfo[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
      out.push(this.info(f.slice(0, 64)));
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private info(rootHex: string): StoredDatasetInfo {
    const f = this.file(rootHex, 'json');
    try {
      const j = JSON.parse(readFileSync(f, 'utf8')) as StoredDatasetInfo;
      if (j.format !== FORMAT || j.root !== rootHex || typeof j.name !== 'string' || !Number.isInteger(j.count)) throw new Error('not a stored dataset description');
      return j;
    } catch (e) {
      throw new JobsError('DATASET_CORRUPT', `${f}: ${errorMessage(e)}; remove it and its .bin and add the dataset again`);
    }
  }

  /** The stored dataset's description with this name or root hex, if any. */
  find(nameOrRoot: string): StoredDatasetInfo | undefined {
    const hex = nameOrRoot.replace(/^0x/, '').toLowerCase();
    if (/^[0-9a-f]{64}$/.test(hex) && existsSync(this.file(hex, 'json'))) return this.info(hex);
    return this.list().find((i) => i.name === nameOrRoot);
  }

  /**
   * Stores `ds` under `name` and returns its description. The same data under the same name again is
   * a no-op; a name held by other data, or a bundled dataset's name, is refused (DATASET_NAME).
   */
  add(name: string, ds: Dataset, source: { format: string; file: string }, classNames?: string[]): { info: StoredDatasetInfo; existed: boolean } {
    DatasetStore.checkName(name);
    const root = bytesToHex(datasetRoot(ds));
    const had = this.list().find((i) => i.name === name);
    if (had && had.root !== root) throw new JobsError('DATASET_NAME', `a dataset named ${JSON.stringify(name)} is already stored with root ${had.root}; choose another --name`);
    if (had) return { info: had, existed: true };
    const info: StoredDatasetInfo = {
      format: FORMAT, name, root, count: ds.count, encodedBytes: encodeSample(ds, 0).length * ds.count, task: ds.task, featureKind: ds.featureKind,
      featureShape: ds.featureShape, outputSize: ds.outputSize, source, ...(classNames ? { classNames } : {}),
    };
    const prior = existsSync(this.file(root, 'json')) ? this.info(root) : undefined;
    if (prior) throw new JobsError('DATASET_NAME', `these data are already stored as ${JSON.stringify(prior.name)} (root ${root})`);
    mkdirSync(this.dir, { recursive: true });
    const bin = this.file(root, 'bin');
    const fd = openSync(`${bin}.tmp`, 'w');
    try {
      writeAllSync(fd, leBytes(ds.raw));
      writeAllSync(fd, leBytes(ds.labels));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${bin}.tmp`, bin);
    writeFileDurably(this.file(root, 'json'), JSON.stringify(info, null, 2) + '\n');
    fsyncPath(this.dir);
    this.cache.set(root, ds);
    return { info, existed: false };
  }

  /** The stored dataset committed as `rootHex`, rebuilt and checked against its root; undefined when none. */
  load(rootHex: string): Dataset | undefined {
    const have = this.cache.get(rootHex);
    if (have) return have;
    if (!existsSync(this.file(rootHex, 'json'))) return undefined;
    const i = this.info(rootHex);
    const corrupt = (m: string) => new JobsError('DATASET_CORRUPT', `stored dataset ${JSON.stringify(i.name)} (${this.file(rootHex, 'bin')}): ${m}; remove its two files and add it again`);
    let bin: Uint8Array;
    try {
      bin = new Uint8Array(readFileSync(this.file(rootHex, 'bin')));
    } catch (e) {
      throw corrupt(errorMessage(e));
    }
    const fs = i.featureShape.reduce((a, b) => a * b, 1);
    const n = i.count * fs;
    const rawBytes = n * (i.featureKind === 'u8' ? 1 : i.featureKind === 'tok' ? 2 : 4);
    const labelCount = i.task === 'classification' ? i.count : i.task === 'next-token' ? n : i.count * i.outputSize;
    if (bin.length !== rawBytes + labelCount * 4) throw corrupt(`${bin.length} bytes, the description needs ${rawBytes + labelCount * 4}`);
    const copy = (o: number, len: number) => bin.slice(o, o + len).buffer;
    const raw = i.featureKind === 'u8' ? new Uint8Array(copy(0, rawBytes)) : i.featureKind === 'tok' ? new Uint16Array(fromLe(copy(0, rawBytes), 2)) : new Float32Array(fromLe(copy(0, rawBytes), 4));
    const lb = fromLe(copy(rawBytes, labelCount * 4), 4);
    const labels = i.task === 'regression' ? new Float32Array(lb) : new Uint32Array(lb);
    let ds: Dataset;
    try {
      ds = makeDataset({ name: i.name, task: i.task, featureShape: i.featureShape, featureSize: fs, outputSize: i.outputSize, count: i.count, featureKind: i.featureKind, raw, labels });
    } catch (e) {
      throw corrupt(errorMessage(e));
    }
    if (bytesToHex(datasetRoot(ds)) !== rootHex) throw corrupt('its samples no longer encode to its root');
    this.cache.set(rootHex, ds);
    return ds;
  }

  /** Removes a stored dataset (both files). */
  remove(rootHex: string): void {
    rmSync(this.file(rootHex, 'json'), { force: true });
    rmSync(this.file(rootHex, 'bin'), { force: true });
    this.cache.delete(rootHex);
  }
}

/** The array's bytes little-endian (the layout on disk whatever the host). */
function leBytes(a: Uint8Array | Uint16Array | Uint32Array | Float32Array): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  if (!isLittleEndian && a.BYTES_PER_ELEMENT > 1) swap(b, a.BYTES_PER_ELEMENT);
  return b;
}

function fromLe(buf: ArrayBuffer, width: number): ArrayBuffer {
  if (!isLittleEndian) swap(new Uint8Array(buf), width);
  return buf;
}

function swap(b: Uint8Array, w: number): void {
  for (let o = 0; o < b.length; o += w) b.subarray(o, o + w).reverse();
}
