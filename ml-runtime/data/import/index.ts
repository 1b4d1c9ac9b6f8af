export { IMPORT_FORMATS, IMPORT_LIMITS, type ImportFormat, type ImportLimits, type ImportOptions, type Imported } from './common.ts';
export { importCsv } from './csv.ts';
export { importJsonl } from './jsonl.ts';
export { importNpy, parseNpy } from './npy.ts';
export { importText, TEXT_DEFAULT_CONTEXT } from './text.ts';
import { importCsv } from './csv.ts';
import { importJsonl } from './jsonl.ts';
import { importNpy } from './npy.ts';
import { importText } from './text.ts';
import type { ImportFormat, ImportOptions, Imported } from './common.ts';

/** A user's file in one of the formats, as a dataset in the canonical sample encoding (docs/datasets.md). */
export function importDataset(format: ImportFormat, bytes: Uint8Array, o: ImportOptions): Imported {
  switch (format) {
    case 'csv': return importCsv(bytes, o);
    case 'jsonl': return importJsonl(bytes, o);
    case 'npy': return importNpy(bytes, o);
    case 'text': return importText(bytes, o);
  }
}
