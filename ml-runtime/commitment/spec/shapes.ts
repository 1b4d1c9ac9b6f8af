// The shapes of a validated spec: its parameter tensors in canonical order and its output shape
// (shared by the layered and the transformer spec).

/** One parameter tensor of the model, in canonical order. */
export interface ParamInfo {
  name: string;
  layer: number;
  kind: 'kernel' | 'bias' | 'embedding' | 'gain';
  shape: number[];
  size: number;
  fanIn: number;
  fanOut: number;
}

export interface SpecShapes {
  /** Output shape (without batch) of each layer. */
  layerOutputs: number[][];
  outputShape: number[];
  params: ParamInfo[];
  paramCount: number;
}
