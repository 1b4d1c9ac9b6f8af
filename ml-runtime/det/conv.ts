// Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter and FusedConv2D on det (NHWC), all as one
// canonical gemm (gemm.ts) over an explicit patch matrix. Out-of-bounds (padding) terms are
// kept in the reduction as +0 inputs, so the term index (and its stripe) never depends on
// position in the image. Reduction orders:
//   Conv2D:      y[b,oy,ox,co]  = sum over k=(fy,fx,ci) row-major of x[...] * w[fy,fx,ci,co]
//   BackpropIn:  dx[b,y,x,ci]   = sum over k=(fy,fx,co) row-major of dy[b,oy,ox,co] * w[fy,fx,ci,co]
//                (terms whose (oy,ox) is fractional or out of range are +0)
//   BackpropFil: dw[fy,fx,ci,co]= sum over k=(b,oy,ox) row-major of x[b,iy,ix,ci] * dy[b,oy,ox,co]
import { tf } from '../tf.ts';
import { detSimdEnabled, gemmABt, scratchBuf, transposeInto } from './gemm.ts';
import { wasmWorkspace } from './wasm_gemm.ts';
import { applyBiasActivation } from './matmul.ts';
import { f32, out, requireNHWC, type Backend, type DetKernelFunc, type KernelArgs, type TensorInfo } from './tensor_util.ts';

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Patch matrix P[(b,oy,ox)][(fy,fx,ci)] of x (padding = +0), rows `stride` apart
 *  (entries K..stride-1 of each row are set to +0). Filled column by column so the inner loop
 *  runs along ox. */
function im2col(x: Float32Array, c: ConvInfo, P: Float32Array, stride: number): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  const pt = c.padInfo.top, pl = c.padInfo.left;
  const K = FH * FW * Ci;
  for (let b = 0; b < B; b++) {
    const xb = b * H * W * Ci;
    for (let oy = 0; oy < OH; oy++) {
      const row0 = (b * OH + oy) * OW;
      for (let fy = 0; fy < FH; fy++) {
        const iy = oy * sh - pt + fy * dh;
        const yin = iy >= 0 && iy < H;
        const xrow = xb + iy * W * Ci;
        for (let fx = 0; fx < FW; fx++) {
          const xoff = fx * dw - pl;
          for (let ci = 0; ci < Ci; ci++) {
            let p = row0 * stride + (fy * FW + fx) * Ci + ci;
            if (!yin) { for (let ox = 0; ox < OW; ox++, p += stride) P[p] = 0; continue; }
            const xs = xrow + ci;
            for (let ox = 0; ox < OW; ox++, p += stride) {
              const ix = ox * sw + xoff;
              P[p] = ix < 0 || ix >= W ? 0 : x[xs + ix * Ci];
            }
          }
        }
      }
      if (stride > K) {
        for (let ox = 0; ox < OW; ox++) { const p = (row0 + ox) * stride; for (let k = K; k < stride; k++) P[p + k] = 0; }
      }
    }
  }
}

/** Transposed patch matrix PT[(fy,fx,ci)][(b,oy,ox)] of x (padding = +0), rows `stride` apart
 *  (entries Kr..stride-1 of each row are set to +0). */
function im2colT(x: Float32Array, c: ConvInfo, PT: Float32Array, stride: number): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  const pt = c.padInfo.top, pl = c.padInfo.left;
  const Kr = B * OH * OW;
  for (let fy = 0; fy < FH; fy++) {
    for (let fx = 0; fx < FW; fx++) {
      for (let ci = 0; ci < Ci; ci++) {
        let p = ((fy * FW + fx) * Ci + ci) * stride;
        for (let b = 0; b < B; b++) {
          const xb = b * H * W * Ci + ci;
          for (let oy = 0; oy < OH; oy++) {
            const iy = oy * sh - pt + fy * dh;
            if (iy < 0 || iy >= H) { for (let ox = 0; ox < OW; ox++) PT[p++] = 0; continue; }
            const rowBase = xb + iy * W * Ci;
            for (let ox = 0; ox < OW; ox++) {
              const ix = ox * sw - pl + fx * dw;
              PT[p++] = ix < 0 || ix >= W ? 0 : x[rowBase + ix * Ci];
            }
          }
        }
        for (let k = Kr; k < stride; k++) PT[p++] = 0;
      }
    }
  }
}

/** dst[j*stride + i] = src[i*cols + j] for a rows x cols src; zero tail i in [rows, stride). */
function stridedTranspose(src: Float32Array, rows: number, cols: number, dst: Float32Array, stride: number): void {
  for (let j = 0; j < cols; j++) {
    const d = j * stride;
    for (let i = 0; i < rows; i++) dst[d + i] = src[i * cols + j];
    for (let i = rows; i < stride; i++) dst[d + i] = 0;
  }
}

function conv2dValues(backend: Backend, x: TensorInfo, filter: TensorInfo, c: ConvInfo): Float32Array {
  const M = c.batchSize * c.outHeight * c.outWidth;
  const K = c.filterHeight * c.filterWidth * c.inChannels;
  const N = c.outChannels;
  const o = new Float32Array(M * N);
  const ws = detSimdEnabled() ? wasmWorkspace(M, N, K) : null;
  if (ws) {
    im2col(f32(backend, x), c, ws.A, ws.K4);
    stridedTranspose(f32(backend, filter), K, N, ws.Bt, ws.K4);
    ws.run(o, 0);
    return o;
  }
  const P = scratchBuf(0, M * K);
  im2col(f32(backend, x), c, P, K);
  const Wt = scratchBuf(1, K * N);
  transposeInto(f32(backend, filter), 0, K, N, Wt); // [K][N] -> [N][K]
  gemmABt(P, 0, Wt, 0, M, N, K, o, 0);
  return o;
}

function convInfo(name: string, xShape: number[], fShape: number[], attrs: KernelArgs['attrs'], dilations: number | [number, number]): ConvInfo {
  requireNHWC(name, attrs.dataFormat);
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number],
    attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

function conv2dBackpropInputValues(dy: Float32Array, w: Float32Array, c: ConvInfo): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  const pt = c.padInfo.top, pl = c.padInfo.left;
  const K = FH * FW * Co;
  const M = B * H * W;
  const Q = scratchBuf(0, M * K);
  let row = 0;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, row++) {
        let p = row * K;
        for (let fy = 0; fy < FH; fy++) {
          const ty = y + pt - fy * dh;
          const oy = ty / sh;
          const vy = ty >= 0 && ty % sh === 0 && oy < OH;
          for (let fx = 0; fx < FW; fx++) {
            const tx = x + pl - fx * dw;
            const ox = tx / sw;
            if (vy && tx >= 0 && tx % sw === 0 && ox < OW) {
              const s = ((b * OH + oy) * OW + ox) * Co;
              for (let co = 0; co < Co; co++) Q[p++] = dy[s + co];
            } else for (let co = 0; co < Co; co++) Q[p++] = 0;
          }
        }
      }
    }
  }
  // Bt[ci][(fy,fx,co)] = w[fy,fx,ci,co]
  const Bt = scratchBuf(1, Ci * K);
  for (let f = 0; f < FH * FW; f++) {
    for (let ci = 0; ci < Ci; ci++) {
      const src = (f * Ci + ci) * Co, dst = ci * K + f * Co;
      for (let co = 0; co < Co; co++) Bt[dst + co] = w[src + co];
    }
  }
  const o = new Float32Array(M * Ci);
  gemmABt(Q, 0, Bt, 0, M, Ci, K, o, 0);
  return o;
}

function conv2dBackpropFilterValues(x: Float32Array, dy: Float32Array, c: ConvInfo): Float32Array {
  const { batchSize: B, outHeight: OH, outWidth: OW, outChannels: Co, filterHeight: FH, filterWidth: FW, inChannels: Ci } = c;
  const Kr = B * OH * OW;         // reduction length
  const Mr = FH * FW * Ci;        // rows of the result
  const o = new Float32Array(Mr * Co);
  const ws = detSimdEnabled() ? wasmWorkspace(Mr, Co, Kr) : null;
  if (ws) {
    im2colT(x, c, ws.A, ws.K4);
    stridedTranspose(dy, Kr, Co, ws.Bt, ws.K4);
    ws.run(o, 0);
    return o;
  }
  const PT = scratchBuf(0, Mr * Kr);
  im2colT(x, c, PT, Kr);          // [Mr][Kr]
  const DT = scratchBuf(1, Co * Kr);
  transposeInto(dy, 0, Kr, Co, DT); // [Co][Kr]
  gemmABt(PT, 0, DT, 0, Mr, Co, Kr, o, 0);
  return o;
}

export function convKernels(): Record<string, DetKernelFunc> {
  return {
    Conv2D: (args: KernelArgs) => {
      const { x, filter } = args.inputs;
      const c = convInfo('Conv2D', x.shape, filter.shape, args.attrs, args.attrs.dilations ?? 1);
      return out(args.backend, c.outShape.slice(), conv2dValues(args.backend, x, filter, c));
    },
    FusedConv2D: (args: KernelArgs) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs;
      const c = convInfo('FusedConv2D', x.shape, filter.shape, args.attrs, args.attrs.dilations ?? 1);
      const o = conv2dValues(args.backend, x, filter, c);
      const shape = c.outShape.slice();
      applyBiasActivation('FusedConv2D', args.backend, o, shape, bias, args.attrs.activation, preluActivationWeights, args.attrs.leakyreluAlpha);
      return out(args.backend, shape, o);
    },
    Conv2DBackpropInput: (args: KernelArgs) => {
      const { dy, filter } = args.inputs;
      const c = convInfo('Conv2DBackpropInput', args.attrs.inputShape, filter.shape, args.attrs, 1);
      const o = conv2dBackpropInputValues(f32(args.backend, dy), f32(args.backend, filter), c);
      return out(args.backend, [c.batchSize, c.inHeight, c.inWidth, c.inChannels], o);
    },
    Conv2DBackpropFilter: (args: KernelArgs) => {
      const { x, dy } = args.inputs;
      const c = convInfo('Conv2DBackpropFilter', x.shape, args.attrs.filterShape, args.attrs, 1);
      const o = conv2dBackpropFilterValues(f32(args.backend, x), f32(args.backend, dy), c);
      return out(args.backend, args.attrs.filterShape.slice(), o);
    },
  };
}

