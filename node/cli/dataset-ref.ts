// What `--dataset` names: a bundled dataset, a dataset stored in the data dir, or a root (either kind).
import { DATASET_NAMES, datasetRoot, loadDataset, type Dataset } from '../../ml-runtime/index.ts';
import { DatasetStore } from '../jobs/index.ts';
import { dataDirLayout } from '../config/index.ts';
import { NodeError } from '../util/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

export interface DatasetRef {
  dataset: Dataset;
  root: Uint8Array;
  /** 'bundled': every node has it; 'stored': only nodes on this data dir (and those that fetched it) serve it */
  kind: 'bundled' | 'stored';
  name: string;
}

export function storeOf(dataDir: string): DatasetStore {
  return new DatasetStore(dataDirLayout(dataDir).datasets);
}

/** A bundled name, a stored name, or a 32-byte root in hex (optional 0x) of either; USAGE naming what exists otherwise. */
export function resolveDataset(arg: string, dataDir: string): DatasetRef {
  const store = storeOf(dataDir);
  const hex = arg.replace(/^0x/i, '').toLowerCase();
  const isRoot = /^[0-9a-f]{64}$/.test(hex);
  if (!isRoot && (DATASET_NAMES as readonly string[]).includes(arg)) {
    const ds = loadDataset(arg).train;
    return { dataset: ds, root: datasetRoot(ds), kind: 'bundled', name: arg };
  }
  if (isRoot) {
    for (const n of DATASET_NAMES) {
      const ds = loadDataset(n).train;
      const root = datasetRoot(ds);
      if (bytesToHex(root) === hex) return { dataset: ds, root, kind: 'bundled', name: n };
    }
  }
  const info = store.find(isRoot ? hex : arg);
  const ds = info && store.load(info.root);
  if (info && ds) return { dataset: ds, root: datasetRoot(ds), kind: 'stored', name: info.name };
  const stored = store.list().map((i) => i.name);
  throw new NodeError('USAGE', `--dataset ${JSON.stringify(arg)}: no bundled dataset (${DATASET_NAMES.join(', ')}) and no dataset stored in ${store.dir}${stored.length ? ` (${stored.join(', ')})` : ''} has this ${isRoot ? 'root' : 'name'}; add a file with \`polchain dataset add\``);
}
