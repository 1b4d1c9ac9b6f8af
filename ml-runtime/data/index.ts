export { DATASET_NAMES, loadDataset, syntheticClassification, syntheticRegression } from './bundled.ts';
export type { DatasetName } from './bundled.ts';
export { NAMES_CONTEXT, NAMES_STRIDE, NAMES_VOCAB, charTokenizer, namesList, namesSplits, namesTokenizer, tokenWindows, unigramBaseline, type CharTokenizer } from './names.ts';
export * from './import/index.ts';
