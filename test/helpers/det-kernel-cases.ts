// Deterministic kernel cases shared by the det correctness and golden-vector tests. Inputs come
// from an integer hash (never a random generator), so every run and every machine sees the same bytes.
import { tf } from '../../ml-runtime/index.ts';

export function hash32(i: number): number {
  let x = (i ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** n float32 values uniform in [lo, hi) from the hash of (seed, i). */
export function vals(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * (hash32((seed * 0x01000193 + i) >>> 0) / 4294967296);
  return a;
}

export function rt(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.tensor(vals(shape.reduce((p, q) => p * q, 1), seed, lo, hi), shape, 'float32');
}

export type KernelCase = { name: string; kernel: string; tol: number; run: () => tf.Tensor };

/** Every owned kernel, exercised through the public tfjs ops that dispatch to it. */
export function kernelCases(): KernelCase[] {
  const c: KernelCase[] = [];
  const add = (name: string, kernel: string, tol: number, run: () => tf.Tensor) => c.push({ name, kernel, tol, run });
  // dense products (all transpose combinations, batch broadcasting, odd sizes for tails)
  add('matmul_64x784x128', 'BatchMatMul', 1e-4, () => tf.matMul(rt([64, 784], 1), rt([784, 128], 2, -0.1, 0.1)));
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    add(`matmul_t${+ta}${+tb}_odd`, 'BatchMatMul', 1e-5, () => tf.matMul(rt(ta ? [2, 53, 37] : [2, 37, 53], 3), rt(tb ? [2, 29, 53] : [2, 53, 29], 4), ta, tb));
  }
  add('matmul_batch_broadcast', 'BatchMatMul', 1e-5, () => tf.matMul(rt([1, 5, 7], 5), rt([4, 7, 6], 6)));
  // rank 4 (attention scores q k^T and probabilities x v over [batch, heads, T, D])
  add('matmul_rank4_tb', 'BatchMatMul', 1e-5, () => tf.matMul(rt([2, 3, 7, 5], 93), rt([2, 3, 7, 5], 94), false, true));
  add('matmul_rank4_bcast', 'BatchMatMul', 1e-5, () => tf.matMul(rt([2, 3, 7, 7], 95), rt([1, 3, 7, 5], 96)));
  add('fused_matmul_bias_relu', '_FusedMatMul', 1e-5, () => tf.fused.matMul({ a: rt([31, 45], 7), b: rt([45, 17], 8), bias: rt([17], 9), activation: 'relu' }));
  add('fused_matmul_bias_linear', '_FusedMatMul', 1e-5, () => tf.fused.matMul({ a: rt([31, 45], 10), b: rt([17, 45], 11), transposeB: true, bias: rt([17], 12) }));
  add('fused_matmul_sigmoid', '_FusedMatMul', 1e-5, () => tf.fused.matMul({ a: rt([9, 13], 13), b: rt([13, 5], 14), bias: rt([5], 15), activation: 'sigmoid' }));
  // convolutions
  add('conv2d_valid', 'Conv2D', 1e-5, () => tf.conv2d(rt([2, 9, 11, 3], 20) as tf.Tensor4D, rt([3, 3, 3, 5], 21) as tf.Tensor4D, 1, 'valid'));
  add('conv2d_same_s2', 'Conv2D', 1e-5, () => tf.conv2d(rt([2, 9, 11, 3], 22) as tf.Tensor4D, rt([3, 2, 3, 4], 23) as tf.Tensor4D, 2, 'same'));
  add('conv2d_dilated', 'Conv2D', 1e-5, () => tf.conv2d(rt([1, 10, 10, 2], 24) as tf.Tensor4D, rt([3, 3, 2, 3], 25) as tf.Tensor4D, 1, 'same', 'NHWC', 2));
  add('fused_conv2d_relu', 'FusedConv2D', 1e-5, () => tf.fused.conv2d({ x: rt([2, 8, 8, 3], 26) as tf.Tensor4D, filter: rt([3, 3, 3, 4], 27) as tf.Tensor4D, strides: 1, pad: 'same', bias: rt([4], 28), activation: 'relu' }));
  add('conv2d_backprop_input_s2', 'Conv2DBackpropInput', 1e-5, () => tf.conv2dTranspose(rt([2, 5, 6, 4], 29) as tf.Tensor4D, rt([3, 3, 3, 4], 30) as tf.Tensor4D, [2, 10, 11, 3], 2, 'same'));
  add('conv2d_backprop_input_valid', 'Conv2DBackpropInput', 1e-5, () => tf.conv2dTranspose(rt([1, 6, 6, 2], 31) as tf.Tensor4D, rt([3, 3, 3, 2], 32) as tf.Tensor4D, [1, 8, 8, 3], 1, 'valid'));
  add('conv2d_backprop_filter', 'Conv2DBackpropFilter', 1e-4, () => {
    const x = rt([4, 12, 12, 3], 33) as tf.Tensor4D, f = rt([3, 3, 3, 8], 34) as tf.Tensor4D;
    return tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), rt([4, 12, 12, 8], 35))))(f);
  });
  add('conv2d_backprop_filter_s2_valid', 'Conv2DBackpropFilter', 1e-4, () => {
    const x = rt([2, 11, 11, 2], 36) as tf.Tensor4D, f = rt([3, 3, 2, 3], 37) as tf.Tensor4D;
    return tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 2, 'valid'), rt([2, 5, 5, 3], 38))))(f);
  });
  // pooling
  add('maxpool_2x2', 'MaxPool', 0, () => tf.maxPool(rt([2, 8, 9, 3], 40) as tf.Tensor4D, 2, 2, 'valid'));
  add('maxpool_3x3_same', 'MaxPool', 0, () => tf.maxPool(rt([2, 7, 7, 2], 41) as tf.Tensor4D, 3, 2, 'same'));
  add('maxpool_grad', 'MaxPoolGrad', 1e-6, () => {
    const up = rt([2, 4, 4, 3], 43);
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), up)))(rt([2, 8, 9, 3], 42));
  });
  add('maxpool_grad_overlap', 'MaxPoolGrad', 1e-6, () => {
    const up = rt([1, 3, 3, 2], 45);
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid'), up)))(rt([1, 7, 7, 2], 44));
  });
  add('avgpool_2x2', 'AvgPool', 1e-6, () => tf.avgPool(rt([2, 8, 8, 3], 46) as tf.Tensor4D, 2, 2, 'valid'));
  add('avgpool_grad', 'AvgPoolGrad', 1e-6, () => {
    const up = rt([2, 3, 3, 3], 48);
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, 3, 2, 'valid'), up)))(rt([2, 7, 7, 3], 47));
  });
  // elementwise and transcendental
  add('exp', 'Exp', 1e-6, () => tf.exp(rt([1000], 50, -90, 90)));
  add('log', 'Log', 1e-6, () => tf.log(rt([1000], 51, 1e-30, 1e4)));
  add('tanh', 'Tanh', 1e-6, () => tf.tanh(rt([1000], 52, -12, 12)));
  add('sigmoid', 'Sigmoid', 1e-6, () => tf.sigmoid(rt([1000], 53, -30, 30)));
  add('sqrt', 'Sqrt', 1e-6, () => tf.sqrt(rt([1000], 54, 0, 100)));
  add('square', 'Square', 1e-6, () => tf.square(rt([1000], 55, -10, 10)));
  add('relu', 'Relu', 0, () => tf.relu(rt([1000], 56)));
  add('step', 'Step', 0, () => tf.step(rt([1000], 58), 0.3));
  add('softmax', 'Softmax', 1e-6, () => tf.softmax(rt([16, 10], 57, -20, 20)));
  add('add_bcast', 'Add', 0, () => tf.add(rt([4, 1, 6], 60), rt([5, 1], 61)));
  add('add_row', 'Add', 0, () => tf.add(rt([64, 128], 62), rt([128], 63)));
  add('sub_scalar', 'Sub', 0, () => tf.sub(tf.scalar(1), rt([3, 7], 64)));
  add('mul_same', 'Multiply', 0, () => tf.mul(rt([3, 7], 65), rt([3, 7], 66)));
  add('div_bcast', 'RealDiv', 0, () => tf.div(rt([3, 1, 7], 67), rt([1, 5, 7], 68, 0.5, 2)));
  add('squared_difference', 'SquaredDifference', 1e-6, () => tf.squaredDifference(rt([5, 7], 69), rt([7], 70)));
  add('maximum', 'Maximum', 0, () => tf.maximum(rt([5, 7], 71), rt([5, 7], 72)));
  add('minimum', 'Minimum', 0, () => tf.minimum(rt([5, 7], 73), tf.scalar(0.1)));
  // reductions
  add('sum_all', 'Sum', 1e-4, () => tf.sum(rt([1001], 80)));
  add('sum_axis0', 'Sum', 1e-5, () => tf.sum(rt([64, 10], 81), 0));
  add('sum_axis1_keep', 'Sum', 1e-5, () => tf.sum(rt([64, 10], 82), 1, true));
  add('sum_noncontig', 'Sum', 1e-5, () => tf.sum(rt([3, 4, 5], 83), [0, 2]));
  add('mean_axis1', 'Mean', 1e-6, () => tf.mean(rt([8, 33], 84), 1));
  add('mean_all', 'Mean', 1e-6, () => tf.mean(rt([7, 9], 85)));
  add('max_axis1', 'Max', 0, () => tf.max(rt([8, 33], 86), 1));
  add('addn', 'AddN', 1e-6, () => tf.addN([rt([4, 5], 87), rt([4, 5], 88), rt([4, 5], 89)]));
  // scatter-add (the gradient of an embedding gather): repeated ids, an id with no rows, a dropped id
  add('unsorted_segment_sum', 'UnsortedSegmentSum', 1e-6, () => tf.unsortedSegmentSum(rt([12, 7], 90), tf.tensor1d([3, 0, 3, 1, 3, 0, 5, 1, 1, 3, 0, 3], 'int32'), 5));
  add('embedding_grad', 'UnsortedSegmentSum', 1e-6, () => tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, tf.tensor1d([2, 2, 0, 5, 2, 1], 'int32')), rt([6, 4], 92))))(rt([6, 4], 91)));
  return c;
}
