// Exact binomial statistics (no dependencies): the detection and committee-capture tests compare
// counts over simulated jobs with their documented probabilities.

const logFact: number[] = [0];
function lf(n: number): number {
  for (let i = logFact.length; i <= n; i++) logFact.push(logFact[i - 1]! + Math.log(i));
  return logFact[n]!;
}

/** P(X = x) for X ~ Binomial(n, p) */
export function binomPmf(x: number, n: number, p: number): number {
  if (p === 0) return x === 0 ? 1 : 0;
  if (p === 1) return x === n ? 1 : 0;
  return Math.exp(lf(n) - lf(x) - lf(n - x) + x * Math.log(p) + (n - x) * Math.log1p(-p));
}

/** P(X ≤ x) */
export function binomCdf(x: number, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i <= x; i++) s += binomPmf(i, n, p);
  return Math.min(1, s);
}

/** P(X ≥ x) */
export function binomSf(x: number, n: number, p: number): number {
  let s = 0;
  for (let i = x; i <= n; i++) s += binomPmf(i, n, p);
  return Math.min(1, s);
}

/** Bisection for the p in [0, 1] where a monotone f crosses `target` (increasing: f(0) < target < f(1)). */
function solve(f: (p: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if ((f(mid) < target) === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Exact (Clopper-Pearson) two-sided confidence interval for a binomial proportion: the lower end is
 * the p with P(X ≥ x; p) = alpha/2, the upper end the p with P(X ≤ x; p) = alpha/2.
 */
export function clopperPearson(x: number, n: number, confidence: number): [number, number] {
  const a = (1 - confidence) / 2;
  const lower = x === 0 ? 0 : solve((p) => binomSf(x, n, p), a, true);
  const upper = x === n ? 1 : solve((p) => binomCdf(x, n, p), a, false);
  return [lower, upper];
}

/** Central acceptance region of Binomial(n, p) at `confidence`: [lo, hi] with P(X < lo), P(X > hi) ≤ (1-confidence)/2. */
export function acceptanceRegion(n: number, p: number, confidence: number): [number, number] {
  const a = (1 - confidence) / 2;
  let lo = 0;
  while (lo < n && binomCdf(lo, n, p) <= a) lo++;
  let hi = n;
  while (hi > 0 && binomSf(hi, n, p) <= a) hi--;
  return [lo, hi];
}
