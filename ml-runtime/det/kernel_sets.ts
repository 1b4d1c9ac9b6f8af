// Which tfjs kernels det owns, which it re-registers unchanged from the cpu backend (exact:
// data movement, comparisons, selection, integer ops, or a single IEEE op per element), and
// which throw DetUnsupportedKernelError. Every cpu kernel not in SAFE_CPU_KERNELS or owned
// throws, so a kernel added by a tfjs upgrade can never silently run on det.

/** cpu kernels re-registered on det as-is. Each result element is either copied, compared,
 *  selected, an integer, or one correctly rounded IEEE operation (+ - * / sqrt) on its inputs. */
export const SAFE_CPU_KERNELS: readonly string[] = [
  'Abs', 'All', 'Any', 'ArgMax', 'ArgMin', 'BatchToSpaceND', 'BroadcastArgs', 'Cast', 'Ceil', 'ClipByValue',
  'Concat', 'DepthToSpace', 'Diag', 'Equal', 'ExpandDims', 'Fill', 'FlipLeftRight', 'Floor', 'FloorDiv', 'GatherNd', 'GatherV2',
  'Greater', 'GreaterEqual', 'Identity', 'IsFinite', 'IsInf', 'IsNan', 'LeakyRelu', 'Less', 'LessEqual',
  'LogicalAnd', 'LogicalNot', 'LogicalOr', 'MaxPoolWithArgmax', 'Min', 'MirrorPad', 'Mod', 'Neg', 'NotEqual',
  'OneHot', 'OnesLike', 'Pack', 'PadV2', 'Prelu', 'Range', 'Reciprocal', 'Relu6', 'Reshape', 'Reverse', 'Round',
  'Rsqrt', 'SearchSorted', 'Select', 'Sign', 'Slice', 'SpaceToBatchND', 'SplitV', 'StridedSlice',
  'TensorScatterUpdate', 'Tile', 'TopK', 'Transpose', 'Unique', 'Unpack', 'ZerosLike',
  'StaticRegexReplace', 'StringNGrams', 'StringSplit', 'StringToHashBucketFast',
];

/** det's own fused transformer kernels (no tfjs counterpart, so no cpu implementation; called by name
 *  from ml-runtime/train/transformer-ops.ts). Also in OWNED_KERNELS. */
export const DET_ONLY_KERNELS: readonly string[] = [
  'DetCausalAttention', 'DetCausalAttentionGrad', 'DetLayerNorm', 'DetLayerNormGrad', 'DetGelu', 'DetGeluGrad',
];

/** Kernels implemented by det itself (fixed operation order, own transcendentals): tfjs kernels, then DET_ONLY_KERNELS. */
export const OWNED_KERNELS: readonly string[] = [
  'Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum',
  'Exp', 'Log', 'Tanh', 'Sigmoid', 'Sqrt', 'Square', 'Relu', 'Step',
  'Sum', 'Mean', 'Max', 'AddN', 'Softmax',
  'BatchMatMul', '_FusedMatMul',
  'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter',
  'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad',
  'UnsortedSegmentSum',
  ...DET_ONLY_KERNELS,
];
