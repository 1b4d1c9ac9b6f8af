// Text: UTF-8 bytes as tokens (vocabulary 256), cut into next-token windows (docs/datasets.md §text).
import { tokenWindows } from '../names.ts';
import { MlError } from '../../commitment/errors.ts';
import { checkFileBytes, finish, firstInvalidUtf8, limitsOf, parseError, type ImportOptions, type Imported } from './common.ts';

export const TEXT_DEFAULT_CONTEXT = 64;

export function importText(bytes: Uint8Array, o: ImportOptions): Imported {
  const l = limitsOf(o);
  checkFileBytes('text', bytes.length, l);
  const context = o.context ?? TEXT_DEFAULT_CONTEXT;
  const stride = o.stride ?? Math.max(1, Math.floor(context / 2));
  if (!Number.isInteger(context) || context < 1 || context > 4096) throw parseError('text', '', `context ${context} outside 1..4096`);
  if (!Number.isInteger(stride) || stride < 1 || stride > context) throw parseError('text', '', `stride ${stride} outside 1..context (${context})`);
  const bad = firstInvalidUtf8(bytes);
  if (bad) throw parseError('text', `line ${bad.line}`, `byte ${bad.offset} is not valid UTF-8`, bad);
  if (bytes.length <= context) throw parseError('text', '', `${bytes.length} bytes do not fill one window of ${context} tokens plus its last target`);
  const count = Math.floor((bytes.length - context - 1) / stride) + 1;
  if (count > l.maxSamples) throw new MlError('DATASET_TOO_LARGE', `text: ${count} windows, the limit is ${l.maxSamples} samples`, { format: 'text', samples: count });
  const ds = tokenWindows(o.name, new Uint16Array(bytes), 256, context, stride);
  return { dataset: finish('text', l, { ...ds }) };
}
