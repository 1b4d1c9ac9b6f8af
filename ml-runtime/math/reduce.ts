// The canonical float32 reduction: term i goes to stripe i mod 4; every multiply and add is
// rounded to float32 (Math.fround); the stripes combine as fround(fround(s0+s1)+fround(s2+s3)).
// A 4-lane f32x4 SIMD loop computes exactly the same bits.

const fr = Math.fround;

/** Striped float32 sum of n elements of a starting at off with the given stride. */
export function stripedSum(a: ArrayLike<number>, off: number, n: number, stride = 1): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  let p = off;
  const st4 = stride * 4;
  for (; i + 3 < n; i += 4, p += st4) {
    s0 = fr(s0 + a[p]);
    s1 = fr(s1 + a[p + stride]);
    s2 = fr(s2 + a[p + 2 * stride]);
    s3 = fr(s3 + a[p + 3 * stride]);
  }
  if (i < n) s0 = fr(s0 + a[p]);
  if (i + 1 < n) s1 = fr(s1 + a[p + stride]);
  if (i + 2 < n) s2 = fr(s2 + a[p + 2 * stride]);
  return fr(fr(s0 + s1) + fr(s2 + s3));
}

/** Striped float32 dot product of n terms (contiguous). */
export function stripedDot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 = fr(s0 + fr(a[ao + i] * b[bo + i]));
    s1 = fr(s1 + fr(a[ao + i + 1] * b[bo + i + 1]));
    s2 = fr(s2 + fr(a[ao + i + 2] * b[bo + i + 2]));
    s3 = fr(s3 + fr(a[ao + i + 3] * b[bo + i + 3]));
  }
  if (i < n) s0 = fr(s0 + fr(a[ao + i] * b[bo + i]));
  if (i + 1 < n) s1 = fr(s1 + fr(a[ao + i + 1] * b[bo + i + 1]));
  if (i + 2 < n) s2 = fr(s2 + fr(a[ao + i + 2] * b[bo + i + 2]));
  return fr(fr(s0 + s1) + fr(s2 + s3));
}
