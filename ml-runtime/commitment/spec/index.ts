export { SPEC_FORMAT, SPEC_LIMITS, validateSpec, parseSpec, specShapes, canonicalSpecJson, specHash, withSteps } from './spec.ts';
export type { ModelSpec, LayerSpec, OptimizerSpec, LossName, Activation, Padding, ParamInfo, SpecShapes } from './spec.ts';
