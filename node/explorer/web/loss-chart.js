// The committed loss curve as inline SVG: one line through every point, and on it the points a
// committee replay or the referee recomputed: confirmed ones as green dots, mismatches as red
// crosses (a loss claimed but not reproduced). No library: the curve is at most ~2,000 points.

const NS = 'http://www.w3.org/2000/svg';
const W = 640, H = 260, L = 56, R = 12, T = 12, B = 30;

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const fmt = (x) => (Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));

/** points: [{ step, loss, status: 'committed' | 'confirmed' | 'mismatch' }]; returns an <svg>. */
export function lossChart(points, steps) {
  const svg = el('svg', { class: 'loss', viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const finite = points.filter((p) => Number.isFinite(p.loss));
  const nonFinite = points.length - finite.length;
  svg.append(el('title', {}, `training loss over ${steps} steps: ${points.length} points, ${count(points, 'confirmed')} confirmed by replay, ${count(points, 'mismatch')} mismatched${nonFinite ? `, ${nonFinite} not finite` : ''}`));
  if (!finite.length) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no finite loss values'));
    return svg;
  }
  const maxStep = Math.max(steps || 0, ...finite.map((p) => p.step), 1);
  let lo = Math.min(...finite.map((p) => p.loss)), hi = Math.max(...finite.map((p) => p.loss));
  if (hi === lo) { hi += Math.abs(hi) * 0.05 || 1; lo -= Math.abs(lo) * 0.05 || 1; }
  const x = (s) => L + ((W - L - R) * s) / maxStep;
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  svg.append(
    el('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }), el('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
    el('text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, fmt(hi)), el('text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, fmt(lo)),
    el('text', { x: L, y: H - 10 }, 'step 0'), el('text', { x: W - R, y: H - 10, 'text-anchor': 'end' }, `step ${maxStep}`),
    el('text', { x: 4, y: (H - B) / 2, transform: `rotate(-90 10 ${(H - B) / 2})` }, 'loss'),
  );
  const sorted = [...finite].sort((a, b) => a.step - b.step);
  svg.append(el('polyline', { class: 'line', points: sorted.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ') }));
  for (const p of sorted) {
    const cx = x(p.step), cy = y(p.loss);
    if (p.status === 'confirmed') svg.append(el('circle', { class: 'confirmed', cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3.2, 'data-step': p.step }, undefined));
    else if (p.status === 'mismatch') {
      svg.append(el('path', { class: 'mismatch', d: `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`, 'data-step': p.step }));
    }
  }
  return svg;
}

function count(points, status) {
  return points.filter((p) => p.status === status).length;
}
