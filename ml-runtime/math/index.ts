// Deterministic float math for polchain: transcendentals from + - * / and sqrt only, and the
// canonical striped float32 reductions. See docs/det-backend.md.
export { expD, expm1D, exp32, expm132, pow2i } from './exp.ts';
export { logD, log32 } from './log.ts';
export { tanhD, sigmoidD, tanh32, sigmoid32 } from './activations.ts';
export { stripedSum, stripedDot } from './reduce.ts';
export { softmaxRow, logSoftmaxRow, softmax, logSoftmax } from './softmax.ts';
