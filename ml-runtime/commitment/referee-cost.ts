// What a referee step costs the chain (docs/disputes.md §4): the bytes of state_t that a dispute puts
// on chain and the multiply-adds of one training step. Both are functions of the spec alone, so
// JobSubmit can check them against the job's limits before anyone trains.
import { specShapes, isTransformerSpec, transformerForwardMacs, type ModelSpec } from './spec/index.ts';
import { encodedLengthOf, layoutOfSpec } from './state-layout.ts';

export interface RefereeCost {
  /** length of the canonical state encoding (state.ts): 16-byte header, then per tensor u32 count + float32 values */
  stateBytes: number;
  /** multiply-adds of one step: 3 × batch × forward multiply-adds of the dense and conv layers, or of a transformer's projections, attention and head (forward + two backward products) */
  stepCost: number;
}

export function refereeCost(spec: ModelSpec): RefereeCost {
  const shapes = specShapes(spec);
  const stateBytes = encodedLengthOf(layoutOfSpec(spec));
  if (isTransformerSpec(spec)) return { stateBytes, stepCost: 3 * spec.batchSize * transformerForwardMacs(spec.model) };
  let forward = 0;
  spec.layers.forEach((l, i) => {
    const input = i === 0 ? spec.inputShape : shapes.layerOutputs[i - 1]!;
    const out = shapes.layerOutputs[i]!;
    if (l.type === 'dense') forward += input[0]! * l.units;
    else if (l.type === 'conv2d') forward += out[0]! * out[1]! * l.filters * l.kernelSize[0] * l.kernelSize[1] * input[2]!;
  });
  return { stateBytes, stepCost: 3 * spec.batchSize * forward };
}
