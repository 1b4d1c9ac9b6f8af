// MaxPool, MaxPoolGrad, AvgPool, AvgPoolGrad on det (NHWC). Orders:
//   MaxPool:     window positions in row-major (fy,fx) order over in-bounds pixels; the first
//                strictly greatest value wins; NaN propagates.
//   MaxPoolGrad: dx = 0; for output positions in row-major (b,oy,ox,c) order,
//                dx[argmax] = fround(dx[argmax] + dy[b,oy,ox,c]) (argmax as in MaxPool).
//   AvgPool:     striped float32 sum over the in-bounds window pixels in (fy,fx) order (term t
//                -> stripe t mod 4), then fround(sum / count of in-bounds pixels).
//   AvgPoolGrad: dx = 0; for outputs in row-major order, g = fround(dy / count), then for each
//                in-bounds window pixel in (fy,fx) order dx[p] = fround(dx[p] + g).
import { tf } from '../tf.ts';
import { DetUnsupportedKernelError } from './errors.ts';
import { f32, out, type DetKernelFunc, type KernelArgs } from './tensor_util.ts';

type PoolInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;
const fr = Math.fround;

function poolInfo(name: string, xShape: number[], attrs: KernelArgs['attrs']): PoolInfo {
  const c = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (c.dilationHeight !== 1 || c.dilationWidth !== 1) throw new DetUnsupportedKernelError(name, 'dilated pooling');
  return c;
}

/** For each output element, the flat input index of its max (or -1 if the window is empty).
 *  Per channel: the first in-bounds pixel in (fy,fx) order starts; a later pixel replaces it if
 *  it is strictly greater or NaN, and once the running value is NaN it stays (first NaN wins).
 *  Channels are the inner loop (contiguous), which does not change any channel's sequence. */
function maxPoolArgmax(x: Float32Array, c: PoolInfo, vals: Float32Array | null, arg: Int32Array | null): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = c;
  const pt = c.padInfo.top, pl = c.padInfo.left;
  const m = new Float64Array(C);
  const am = new Int32Array(C);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - pt;
      const ya = Math.max(0, y0), yb = Math.min(H, y0 + FH);
      for (let ox = 0; ox < OW; ox++, o += C) {
        const x0 = ox * sw - pl;
        const xa = Math.max(0, x0), xb = Math.min(W, x0 + FW);
        if (ya >= yb || xa >= xb) {
          for (let ch = 0; ch < C; ch++) { if (vals) vals[o + ch] = -Infinity; if (arg) arg[o + ch] = -1; }
          continue;
        }
        const p0 = ((b * H + ya) * W + xa) * C;
        for (let ch = 0; ch < C; ch++) { m[ch] = x[p0 + ch]; am[ch] = p0 + ch; }
        for (let y = ya; y < yb; y++) {
          for (let xx = y === ya ? xa + 1 : xa; xx < xb; xx++) {
            const p = ((b * H + y) * W + xx) * C;
            for (let ch = 0; ch < C; ch++) {
              const v = x[p + ch], cur = m[ch];
              if (cur === cur && (v > cur || v !== v)) { m[ch] = v; am[ch] = p + ch; }
            }
          }
        }
        if (vals) for (let ch = 0; ch < C; ch++) vals[o + ch] = m[ch];
        if (arg) for (let ch = 0; ch < C; ch++) arg[o + ch] = am[ch];
      }
    }
  }
}

export function poolKernels(): Record<string, DetKernelFunc> {
  return {
    MaxPool: (args: KernelArgs) => {
      const { x } = args.inputs;
      const c = poolInfo('MaxPool', x.shape, args.attrs);
      const o = new Float32Array(c.outShape.reduce((p, q) => p * q, 1));
      maxPoolArgmax(f32(args.backend, x), c, o, null);
      return out(args.backend, c.outShape.slice(), o);
    },
    MaxPoolGrad: (args: KernelArgs) => {
      const { dy, input } = args.inputs;
      const c = poolInfo('MaxPoolGrad', input.shape, args.attrs);
      const n = c.outShape.reduce((p, q) => p * q, 1);
      const arg = new Int32Array(n);
      maxPoolArgmax(f32(args.backend, input), c, null, arg);
      const dyv = f32(args.backend, dy);
      const dx = new Float32Array(input.shape.reduce((p, q) => p * q, 1));
      for (let i = 0; i < n; i++) { const a = arg[i]; if (a >= 0) dx[a] += dyv[i]; }
      return out(args.backend, input.shape.slice(), dx);
    },
    AvgPool: (args: KernelArgs) => {
      const { x } = args.inputs;
      const c = poolInfo('AvgPool', x.shape, args.attrs);
      const xv = f32(args.backend, x);
      const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW,
        filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = c;
      const pt = c.padInfo.top, pl = c.padInfo.left;
      const o = new Float32Array(B * OH * OW * C);
      let i = 0;
      for (let b = 0; b < B; b++) for (let oy = 0; oy < OH; oy++) {
        const y0 = oy * sh - pt, ya = Math.max(0, y0), yb = Math.min(H, y0 + FH);
        for (let ox = 0; ox < OW; ox++) {
          const x0 = ox * sw - pl, xa = Math.max(0, x0), xb = Math.min(W, x0 + FW);
          const cnt = (yb - ya) * (xb - xa);
          for (let ch = 0; ch < C; ch++, i++) {
            let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
            for (let y = ya; y < yb; y++) for (let xx = xa; xx < xb; xx++, t++) {
              const v = xv[((b * H + y) * W + xx) * C + ch];
              switch (t & 3) { case 0: s0 = fr(s0 + v); break; case 1: s1 = fr(s1 + v); break; case 2: s2 = fr(s2 + v); break; default: s3 = fr(s3 + v); }
            }
            o[i] = fr(fr(s0 + s1) + fr(s2 + s3)) / cnt;
          }
        }
      }
      return out(args.backend, c.outShape.slice(), o);
    },
    AvgPoolGrad: (args: KernelArgs) => {
      const { dy, input } = args.inputs;
      const c = poolInfo('AvgPoolGrad', input.shape, args.attrs);
      const dyv = f32(args.backend, dy);
      const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW,
        filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = c;
      const pt = c.padInfo.top, pl = c.padInfo.left;
      const dx = new Float32Array(B * H * W * C);
      let i = 0;
      for (let b = 0; b < B; b++) for (let oy = 0; oy < OH; oy++) {
        const y0 = oy * sh - pt, ya = Math.max(0, y0), yb = Math.min(H, y0 + FH);
        for (let ox = 0; ox < OW; ox++) {
          const x0 = ox * sw - pl, xa = Math.max(0, x0), xb = Math.min(W, x0 + FW);
          const cnt = (yb - ya) * (xb - xa);
          for (let ch = 0; ch < C; ch++, i++) {
            const g = fr(dyv[i] / cnt);
            for (let y = ya; y < yb; y++) for (let xx = xa; xx < xb; xx++) dx[((b * H + y) * W + xx) * C + ch] += g;
          }
        }
      }
      return out(args.backend, input.shape.slice(), dx);
    },
  };
}
