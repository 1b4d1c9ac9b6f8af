// `polchain dataset add | list`: a user's file (csv, jsonl, npy, text) into the canonical sample
// encoding, kept in the data dir and served by root over DA (docs/datasets.md).
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { IMPORT_FORMATS, IMPORT_LIMITS, MlError, importDataset, type ImportFormat, type ImportOptions } from '../../../ml-runtime/index.ts';
import { JOB_LIMITS } from '../../../vm/index.ts';
import { DA_LIMITS, DatasetStore } from '../../jobs/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, requireFlag, type Options } from '../args.ts';
import { JSON_FLAG, dataDir } from '../wallet-flags.ts';
import { storeOf } from '../dataset-ref.ts';
import type { CliCommand } from '../command.ts';
import { errorMessage } from '../../../primitives/index.ts';

const ADD_USAGE = 'polchain dataset add FILE --format csv|jsonl|npy|text [--name N] [--task classification|regression] [--label COL] [--features FIELD] '
  + '[--header | --no-header] [--classes N] [--labels FILE] [--context N] [--stride N] [--max-file-bytes N] [--data-dir DIR] [--json]';
const LIST_USAGE = 'polchain dataset list [--data-dir DIR] [--json]';
const usage = `${ADD_USAGE}\n       ${LIST_USAGE}`;
const usageError = (msg: string, u = ADD_USAGE) => new NodeError('USAGE', `${msg}\nusage: ${u}`);

const DIR_FLAG: Options = { 'data-dir': { type: 'string', arg: 'DIR', help: 'the data dir whose datasets/ folder keeps the dataset', env: 'POLCHAIN_DATA_DIR' } };
const ADD_FLAGS: Options = {
  format: { type: 'string', arg: 'F', help: 'csv, jsonl, npy or text (docs/datasets.md specifies each)' },
  name: { type: 'string', arg: 'N', help: "the name to submit jobs with (default: the file's name without its extension)" },
  task: { type: 'string', arg: 'T', help: 'csv, jsonl, npy: classification (default) or regression' },
  label: { type: 'string', arg: 'COL', help: 'csv: label column(s), header name or 0-based index, comma-separated (default the last); jsonl: the label field (default y)' },
  features: { type: 'string', arg: 'FIELD', help: 'jsonl: the features field (default x)' },
  header: { type: 'boolean', help: 'csv: the first row is a header (default: when two or more of its fields are not numbers)' },
  'no-header': { type: 'boolean', help: 'csv: the first row is data' },
  classes: { type: 'string', arg: 'N', help: 'classification: the number of classes (default the highest class + 1)' },
  labels: { type: 'string', arg: 'FILE', help: 'npy: the label array (.npy), one label per feature row' },
  context: { type: 'string', arg: 'N', help: 'text: tokens (bytes) per window (default 64)' },
  stride: { type: 'string', arg: 'N', help: 'text: tokens between window starts (default context / 2)' },
  'max-file-bytes': { type: 'string', arg: 'N', help: `refuse input files larger than this (default ${IMPORT_LIMITS.maxFileBytes})` },
  ...DIR_FLAG, ...JSON_FLAG,
};
const ADD_SUMMARY = "turn a csv, jsonl, npy or text file into a dataset, print its root and size, and keep it in the data dir (the node serves it by root)";
const LIST_FLAGS: Options = { ...DIR_FLAG, ...JSON_FLAG };

function posInt(values: Record<string, unknown>, name: string, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[1-9][0-9]*$/.test(v) || Number(v) > max) throw usageError(`--${name} must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  return Number(v);
}

async function readLimited(file: string, flag: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw usageError(`${flag} ${file} is not a file`);
    size = s.size;
  } catch (e) {
    if (e instanceof NodeError) throw e;
    throw usageError(`${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
  // checked before reading, so a huge file costs nothing
  if (size > maxBytes) throw new MlError('DATASET_TOO_LARGE', `${file} is ${size} bytes, the limit is ${maxBytes} (--max-file-bytes)`);
  return new Uint8Array(await readFile(file));
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, ADD_FLAGS, ADD_USAGE, true);
  if (values.help) return (console.log(formatHelp(ADD_USAGE, ADD_FLAGS, ADD_SUMMARY)), 0);
  if (positionals.length !== 1) throw usageError('dataset add needs exactly one FILE');
  const file = positionals[0]!;
  const format = requireFlag(values, 'format', ADD_USAGE);
  if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw usageError(`--format must be one of ${IMPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  const task = values.task as string | undefined;
  if (task !== undefined && task !== 'classification' && task !== 'regression') throw usageError(`--task must be classification or regression, got ${JSON.stringify(task)}`);
  if (values.header && values['no-header']) throw usageError('give --header or --no-header, not both');
  const maxFileBytes = posInt(values, 'max-file-bytes', Number.MAX_SAFE_INTEGER) ?? IMPORT_LIMITS.maxFileBytes;
  const name = (values.name as string | undefined) ?? basename(file, extname(file));
  DatasetStore.checkName(name);
  const store = storeOf(dataDir(values));
  const o: ImportOptions = {
    name,
    limits: { maxFileBytes, maxSamples: JOB_LIMITS.maxDatasetSize, maxEncodedBytes: DA_LIMITS.maxDatasetBytes },
    ...(task ? { task } : {}),
    ...(values.label !== undefined ? { label: values.label as string } : {}),
    ...(values.features !== undefined ? { features: values.features as string } : {}),
    ...(values.header ? { header: true } : values['no-header'] ? { header: false } : {}),
  };
  const classes = posInt(values, 'classes', 65536);
  const context = posInt(values, 'context', 4096);
  const stride = posInt(values, 'stride', 4096);
  if (classes !== undefined) o.classes = classes;
  if (context !== undefined) o.context = context;
  if (stride !== undefined) o.stride = stride;
  if (values.labels !== undefined) {
    if (format !== 'npy') throw usageError('--labels is for --format npy');
    o.labels = await readLimited(values.labels as string, '--labels', maxFileBytes);
  }
  const bytes = await readLimited(file, 'FILE', maxFileBytes);
  // a big file takes seconds to parse and hash: say what is happening (stderr, so --json stays clean)
  const t0 = Date.now();
  const stage = bytes.length >= 16 * 1024 * 1024 ? (m: string) => process.stderr.write(`${m} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`) : () => {};
  stage(`importing ${basename(file)}: ${(bytes.length / 1048576).toFixed(1)} MiB as ${format}`);
  // parsed and checked whole (limits included) before the store is touched
  const { dataset, classNames } = importDataset(format as ImportFormat, bytes, o);
  stage(`${dataset.count} samples; computing their Merkle root and storing`);
  const { info, existed } = store.add(name, dataset, { format, file: basename(file) }, classNames);
  stage('stored');
  if (values.json) console.log(JSON.stringify({ ...info, root: '0x' + info.root, existed }, null, 2));
  else {
    console.log(`${existed ? 'already stored' : 'stored'} dataset ${JSON.stringify(info.name)}: root 0x${info.root}`);
    console.log(`  ${info.count} samples, ${info.encodedBytes} bytes encoded; ${info.task}, features [${info.featureShape.join(', ')}] ${info.featureKind}, outputs ${info.outputSize}${classNames ? ` (classes ${classNames.join(', ')})` : ''}`);
    console.log(`  submit with: polchain job submit --dataset ${info.name} ... (a node started on this data dir serves it)`);
  }
  return 0;
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, LIST_FLAGS, LIST_USAGE, true);
  if (values.help) return (console.log(formatHelp(LIST_USAGE, LIST_FLAGS, 'list the datasets stored in the data dir')), 0);
  if (positionals.length) throw usageError(`unexpected arguments: ${positionals.join(' ')}`, LIST_USAGE);
  const infos = storeOf(dataDir(values)).list();
  if (values.json) console.log(JSON.stringify(infos.map((i) => ({ ...i, root: '0x' + i.root })), null, 2));
  else if (!infos.length) console.log('no stored datasets (add one with polchain dataset add)');
  else for (const i of infos) console.log(`${i.name.padEnd(24)} 0x${i.root}  ${String(i.count).padStart(8)} samples  ${i.task.padEnd(14)} ${i.source.format} ${i.source.file}`);
  return 0;
}

export const command: CliCommand = {
  name: 'dataset', summary: "add a user's csv, jsonl, npy or text file as a dataset in the data dir, and list them", usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'add': return add(rest);
      case 'list': return list(rest);
      case '--help': case '-h': case 'help':
        console.log(`usage: ${usage}\n\n\`polchain dataset SUBCOMMAND --help\` describes each subcommand's flags.`);
        return 0;
      case undefined: throw new NodeError('USAGE', `dataset needs a subcommand (add, list)\nusage: ${usage}`);
      default: throw new NodeError('USAGE', `unknown dataset subcommand ${JSON.stringify(sub)} (add, list)\nusage: ${usage}`);
    }
  },
};
