// The chain views: the latest blocks (live), one block with its transactions, one transaction.
import { batch, call } from '../rpc.js';
import { h, mount, kv, table, ago, amount, linkAccount, linkBlock, linkJob, linkTx, mono, short } from '../dom.js';

const LATEST = 20;

function blockRow(b) {
  return h('tr', { 'data-height': b.height }, h('td', {}, linkBlock(b.height)), h('td', {}, mono(short(b.hash))), h('td', {}, linkAccount(b.proposer)),
    h('td', { class: 'num' }, b.txCount), h('td', { class: 'muted' }, ago(b.timestampMs)));
}

/** The latest blocks; `onHead` receives each new header while this view is shown. */
export async function home(view, ctx) {
  const status = await call('node_status');
  const head = Number(status.height);
  const heights = [];
  for (let i = head; i >= 1 && heights.length < LATEST; i--) heights.push(i);
  const [jobs, ...blocks] = await batch([['job_list', { limit: 10 }], ...heights.map((n) => ['chain_getBlock', [n]])]);
  const tbody = h('tbody', {}, blocks.map(blockRow));
  mount(view,
    h('h1', {}, `Chain ${status.chainId}`),
    kv([['head', h('span', { id: 'home-height' }, status.height)], ['validators', String(status.consensus.validators)], ['engine', status.consensus.engine],
      ['mempool', `${status.mempool.size} pending`], ['node', status.version]]),
    h('h2', {}, 'Latest blocks'),
    h('table', { id: 'latest-blocks' }, h('thead', {}, h('tr', {}, ['height', 'hash', 'proposer', 'txs', 'time'].map((x) => h('th', {}, x)))), tbody),
    h('h2', {}, 'Jobs'), jobTable(jobs.jobs),
  );
  ctx.onHead = (hdr) => {
    view.querySelector('#home-height').textContent = hdr.height;
    const row = blockRow(hdr);
    row.classList.add('new');
    tbody.prepend(row);
    while (tbody.children.length > LATEST) tbody.lastChild.remove();
  };
}

export function jobTable(jobs) {
  return table(['job', 'status', 'outcome', 'solver', 'bounty', 'steps', 'submitted'], jobs.map((j) => [
    linkJob(j.id), j.status, j.outcome ?? '—', linkAccount(j.solver), amount(j.bounty), j.steps ?? '—', linkBlock(j.submitHeight),
  ]), 'no jobs yet');
}

/** What a transaction does, in one line. */
export function txSummary(tx) {
  switch (tx.kind) {
    case 'transfer': return [amount(tx.amount), ' to ', linkAccount(tx.to)];
    case 'stake': case 'unbond': return [amount(tx.amount)];
    case 'job-submit': return [`bounty ${amount(tx.bounty)}, `, 'dataset ', mono(short(tx.datasetRoot))];
    default: return tx.jobId ? ['job ', linkJob(tx.jobId)] : [];
  }
}

export async function block(view, arg) {
  const b = await call('chain_getBlock', [/^[0-9]+$/.test(arg) ? Number(arg) : arg, true]);
  mount(view,
    h('h1', {}, `Block #${b.height}`),
    kv([
      ['hash', mono(b.hash)], ['time', `${new Date(Number(b.timestampMs)).toISOString()} (${ago(b.timestampMs)})`], ['proposer', linkAccount(b.proposer, true)],
      ['previous', Number(b.height) > 1 ? h('a', { href: `#/block/${Number(b.height) - 1}` }, mono(b.prevHash)) : mono(b.prevHash)],
      ['state root', mono(b.stateRoot)], ['tx root', mono(b.txRoot)], ['beacon', mono(short(b.beacon, 24))],
      ['evidence', String(b.evidenceCount)], ['block events', String(b.blockEvents)],
    ]),
    h('p', {}, h('a', { href: `#/block/${Number(b.height) + 1}` }, 'next block →')),
    h('h2', {}, `Transactions (${b.txs.length})`),
    table(['hash', 'kind', 'from', 'what', 'fee'], b.txs.map((t) => [linkTx(t.hash), t.kind, linkAccount(t.sender), h('span', {}, txSummary(t)), amount(t.fee)]), 'no transactions'),
  );
}

export async function tx(view, hash) {
  const [t, receipt] = await Promise.all([call('chain_getTx', [hash]), call('tx_getReceipt', [hash])]);
  const rows = [['hash', mono(t.hash)], ['block', linkBlock(t.height)], ['index', String(t.index)], ['kind', t.kind], ['from', linkAccount(t.sender, true)],
    ['nonce', t.nonce], ['fee', amount(t.fee)]];
  if (t.kind === 'transfer') rows.push(['to', linkAccount(t.to, true)], ['amount', h('span', { id: 'tx-amount' }, amount(t.amount))]);
  if (t.amount !== undefined && t.kind !== 'transfer') rows.push(['amount', amount(t.amount)]);
  if (t.jobId) rows.push(['job', linkJob(t.jobId, true)]);
  if (t.kind === 'job-submit') rows.push(['job', linkJob(t.hash, true)], ['bounty', amount(t.bounty)], ['dataset root', mono(t.datasetRoot)]);
  mount(view,
    h('h1', {}, 'Transaction'), kv(rows),
    h('h2', {}, 'Events'),
    table(['event', 'account', 'counterparty', 'amount'], (receipt?.events ?? []).map((e) => [e.kind, linkAccount(e.address), linkAccount(e.counterparty), amount(e.amount)]), 'no events'),
  );
}
