// Building DOM nodes (text always as text, never as HTML) and the formats the views share.

/** h('a', { href }, 'text', child, ...): an element; null/false children are skipped, strings become text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Replaces el's content with children (flattened; null, undefined and false are skipped). */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Key/value list. rows: [label, value][] (rows with value undefined are left out). */
export function kv(rows) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of rows) if (v !== undefined) dl.append(h('dt', {}, k), h('dd', {}, v ?? '—'));
  return dl;
}

/** A table with a header row; rows are arrays of cells (strings or nodes). */
export function table(headers, rows, empty = 'none') {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

export const short = (s, n = 10) => (s && s.length > n + 4 ? `${s.slice(0, n)}…${s.slice(-4)}` : s ?? '—');
export const mono = (s) => h('span', { class: 'mono' }, s);

export const linkBlock = (height) => h('a', { href: `#/block/${height}` }, `#${height}`);
export const linkTx = (hash, full = false) => h('a', { href: `#/tx/${hash}`, class: 'mono' }, full ? hash : short(hash));
export const linkAccount = (addr, full = false) => (addr ? h('a', { href: `#/account/${addr}`, class: 'mono' }, full ? addr : short(addr, 12)) : '—');
export const linkJob = (id, full = false) => h('a', { href: `#/job/${id}`, class: 'mono' }, full ? id : short(id));

/** Amounts are integers in the chain's base unit, sent as decimal strings; shown with digit groups. */
export const amount = (s) => (s === null || s === undefined ? '—' : String(s).replace(/\B(?=(\d{3})+(?!\d))/g, ' '));

export function ago(ms) {
  const d = Math.max(0, Date.now() - Number(ms));
  if (d < 60_000) return `${Math.round(d / 1000)} s ago`;
  if (d < 3_600_000) return `${Math.round(d / 60_000)} min ago`;
  return new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** A share as a percentage with two decimals, from integer strings (exact up to 2^53). */
export function share(part, total) {
  const t = BigInt(total || '0');
  if (t === 0n) return '—';
  const bps = (BigInt(part) * 10_000n) / t;
  return `${bps / 100n}.${String(bps % 100n).padStart(2, '0')} %`;
}
