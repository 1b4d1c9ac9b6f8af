// The explorer's shell: the live head (newHeads over WebSocket), the search field and a hash router
// (#/block/N, #/tx/H, #/account/A, #/validators, #/job/ID, #/jobs). Every failure ends as a
// sentence on the page, never a blank one.
import { call, follow, RpcFailure } from './rpc.js';
import { h, mount } from './dom.js';
import { resolve } from './search.js';
import { home, block, tx } from './views/chain.js';
import { account, validators } from './views/accounts.js';
import { job, jobs } from './views/job.js';

const view = document.getElementById('view');
const notice = document.getElementById('notice');
const ctx = { onHead: null };

const ROUTES = [
  [/^#?\/?$/, () => home(view, ctx)],
  [/^#\/block\/([0-9]{1,15}|0x[0-9a-f]{64})$/, (m) => block(view, m[1])],
  [/^#\/tx\/(0x[0-9a-f]{64})$/, (m) => tx(view, m[1])],
  [/^#\/account\/(pol1[02-9ac-hj-np-z]{38,90})$/, (m) => account(view, m[1])],
  [/^#\/validators$/, () => validators(view)],
  [/^#\/jobs$/, () => jobs(view)],
  [/^#\/job\/(0x[0-9a-f]{64})$/, (m) => job(view, m[1], ctx)],
];

export function showNotice(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

function explain(e) {
  if (e instanceof RpcFailure) return `The node answered: ${e.message}`;
  return `The node could not be reached (${e?.message ?? e}); it may have stopped. Reload to try again.`;
}

let renders = 0;
async function route() {
  const hash = decodeURIComponent(location.hash || '#/');
  ctx.onHead = null;
  showNotice('');
  const r = ROUTES.map(([re, f]) => [hash.match(re), f]).find(([m]) => m);
  const n = ++renders;
  try {
    if (!r) throw new RpcFailure(0, `there is no page at ${hash.slice(0, 80)}; use the search field or the links above`);
    view.setAttribute('aria-busy', 'true');
    delete view.dataset.route;
    await r[1](r[0]);
    if (n === renders) view.dataset.route = hash; // what is shown (tests and scripts wait for it)
  } catch (e) {
    if (n !== renders) return; // a newer route won
    mount(view, h('h1', {}, 'Not shown'), h('p', { class: 'error' }, explain(e)), h('p', {}, h('a', { href: '#/' }, 'latest blocks')));
    showNotice(explain(e));
  } finally {
    view.removeAttribute('aria-busy');
    if (!document.documentElement.dataset.firstRenderMs) document.documentElement.dataset.firstRenderMs = String(Math.round(performance.now()));
  }
}

document.getElementById('search').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const q = document.getElementById('q').value;
  try {
    const r = await resolve(q);
    if (r.error) return showNotice(r.error);
    showNotice('');
    if (location.hash === r.route) await route(); else location.hash = r.route;
  } catch (e) {
    showNotice(explain(e));
  }
});

const headHeight = document.getElementById('head-height');
const headState = document.getElementById('head-state');
follow('newHeads', (hdr) => {
  headHeight.textContent = hdr.height;
  headHeight.dataset.height = hdr.height;
  ctx.onHead?.(hdr);
}, (state) => {
  headState.textContent = state;
  headState.className = state === 'live' ? 'ok' : 'warn';
});

call('node_status').then((s) => { if (!headHeight.dataset.height) headHeight.textContent = s.height; }, () => {});

window.addEventListener('hashchange', route);
route();
