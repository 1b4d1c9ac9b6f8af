export { makeDataset, encodeSample, decodeSample, sampleLeafHashes, datasetRoot, sampleProof, verifySample, gatherBatch } from './dataset.ts';
export type { Dataset, DatasetSplit, Task } from './dataset.ts';
export { DATASET_NAMES, loadDataset, syntheticClassification, syntheticRegression } from './bundled.ts';
export type { DatasetName } from './bundled.ts';
