export { SPEC_FORMAT, SPEC_LIMITS, validateSpec, parseSpec, specShapes, canonicalSpecJson, specHash, withSteps, isTransformerSpec, specInputShape, specTargetSize, specOutputSize } from './spec.ts';
export type { ModelSpec, LayeredSpec, TransformerSpec, LayerSpec, OptimizerSpec, LossName, Activation, Padding, ParamInfo, SpecShapes } from './spec.ts';
export { TRANSFORMER_LIMITS, transformerForwardMacs, type TransformerModel } from './transformer-spec.ts';
