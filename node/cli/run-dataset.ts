// The data of a training run for train / replay / eval: a bundled dataset (its train and test splits)
// or one `polchain dataset add` stored in a data dir (one set of samples, so both "splits" are it),
// and how sampled token ids read as text: the names vocabulary for `names`, UTF-8 bytes for a stored
// text file, none otherwise.
import { DATASET_NAMES, MlError, NAMES_VOCAB, loadDataset, type Dataset } from '../../ml-runtime/index.ts';
import { NodeError } from '../util/index.ts';
import { resolveDataset, storeOf } from './dataset-ref.ts';
import { bytesToHex } from '../../primitives/index.ts';

export interface RunData {
  name: string;
  kind: 'bundled' | 'stored';
  train: Dataset;
  /** the held-out split of a bundled dataset; a stored dataset's own samples */
  test: Dataset;
  /** token ids as text, where the dataset says what its tokens are */
  decode: ((ids: readonly number[]) => string) | null;
}

const REPLACEMENT = '\uFFFD';

/** id i is vocab[i]; an id outside it (a model whose vocabulary is larger than the data's) reads as U+FFFD. */
export function vocabDecoder(vocab: string): (ids: readonly number[]) => string {
  const chars = Array.from(vocab);
  return (ids) => ids.map((i) => chars[i] ?? REPLACEMENT).join('');
}

/** ids as UTF-8 bytes (text datasets: vocabulary 256); invalid sequences and ids ≥ 256 read as U+FFFD. */
export function utf8Decoder(ids: readonly number[]): string {
  const parts: string[] = [];
  let run: number[] = [];
  const flush = () => { if (run.length) parts.push(new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(run))); run = []; };
  for (const i of ids) {
    if (i >= 0 && i < 256) run.push(i);
    else { flush(); parts.push(REPLACEMENT); }
  }
  flush();
  return parts.join('');
}

/** A bundled dataset by name. */
export function bundledRunData(name: string): RunData {
  const d = loadDataset(name);
  return { name: d.name, kind: 'bundled', train: d.train, test: d.test, decode: d.name === 'names' ? vocabDecoder(NAMES_VOCAB) : null };
}

/**
 * `ref`: a bundled name, a stored name or a root (of either). A run's dataset is named by its meta
 * (`polchain train`) or found by its root (a solver's job): `dataDir` is where a stored one lives.
 */
export function runData(ref: string, dataDir: string): RunData {
  if ((DATASET_NAMES as readonly string[]).includes(ref)) return bundledRunData(ref);
  let r;
  try {
    r = resolveDataset(ref, dataDir);
  } catch (e) {
    if (e instanceof NodeError && e.code === 'USAGE') {
      throw new MlError('DATASET_UNKNOWN', `unknown dataset ${ref.length === 64 ? `root ${ref}` : JSON.stringify(ref)}: neither bundled (${DATASET_NAMES.join(', ')}) nor stored in ${storeOf(dataDir).dir}; give --data-dir of the node where \`polchain dataset add\` stored it`);
    }
    throw e;
  }
  if (r.kind === 'bundled') return bundledRunData(r.name);
  const info = storeOf(dataDir).find(bytesToHex(r.root));
  return { name: r.name, kind: 'stored', train: r.dataset, test: r.dataset, decode: info?.source.format === 'text' ? utf8Decoder : null };
}
