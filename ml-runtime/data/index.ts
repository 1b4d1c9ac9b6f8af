export { DATASET_NAMES, loadDataset, syntheticClassification, syntheticRegression } from './bundled.ts';
export type { DatasetName } from './bundled.ts';
