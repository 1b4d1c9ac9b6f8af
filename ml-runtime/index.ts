// Public surface of the ml-runtime for the node, the solver and tools: the commitment part (specs,
// datasets, PRF, state encoding, trace format, schedule; see commitment/index.ts, the only part the
// vm may load) plus the training part (the det tfjs backend, the step function, the training loop,
// replay, bundled datasets and backend selection, the dispute referee on det, and tfjs itself for
// tests and benchmarks).
export * from './commitment/index.ts';
export * from './data/index.ts';
export * from './train/index.ts';
export * from './referee/index.ts';
export { selectBackend, activateDetSync, detRuntimeVersion, CONSENSUS_BACKEND } from './backend-select.ts';
export { tf, tfl } from './tf.ts';
