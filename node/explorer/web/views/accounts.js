// Accounts (balance, stake, history) and validators (stake, voting power, jailing, missed blocks, slashes).
import { batch, call } from '../rpc.js';
import { h, mount, kv, table, amount, share, linkAccount, linkBlock, linkTx, mono } from '../dom.js';
import { jobTable } from './chain.js';

const ACTIVITY_BLOCKS = 100;

function historyRows(items) {
  return items.map((e) => [linkBlock(e.height), e.txHash ? linkTx(e.txHash) : h('span', { class: 'muted' }, 'block'), e.txKind ?? '—', e.kind,
    linkAccount(e.address), linkAccount(e.counterparty), h('span', { class: 'num' }, amount(e.amount))]);
}

function activityRows(a) {
  return [
    ['signed', `${a.signed} of ${a.expected} blocks (${a.from}..${a.to})`],
    ['missed', h('span', { class: a.missed ? 'warn' : 'ok', id: 'missed' }, String(a.missed))],
    ['missed at', a.missedHeights.length ? h('span', {}, a.missedHeights.slice(0, 20).map((x, i) => [i ? ', ' : '', linkBlock(x)])) : undefined],
    ['proposed', String(a.proposed)],
    ['slashes', a.slashes.length ? h('span', { class: 'bad' }, a.slashes.map((s, i) => [i ? ', ' : '', amount(s.amount), ' at ', linkBlock(s.height)])) : 'none in this window'],
  ];
}

export async function account(view, address) {
  const [acct, hist, jobs, vset] = await batch([
    ['account_get', [address]], ['account_getHistory', { address }], ['job_list', { solver: address, limit: 20 }], ['validator_list'],
  ]);
  const v = acct.validator;
  const activity = v ? await call('validator_getActivity', { address, blocks: ACTIVITY_BLOCKS }) : null;
  const tbody = h('tbody', {}, historyRows(hist.items).map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))));
  const pager = h('p', { class: 'pager' });
  let before = hist.nextBefore;
  const more = h('button', { type: 'button' }, 'older');
  more.onclick = async () => {
    more.disabled = true;
    const next = await call('account_getHistory', { address, before });
    for (const r of historyRows(next.items)) tbody.append(h('tr', {}, r.map((c) => h('td', {}, c))));
    before = next.nextBefore;
    note.textContent = `read blocks ${next.scannedFrom}..${hist.height}`;
    more.disabled = before === null;
  };
  const note = h('span', { class: 'muted' }, `read blocks ${hist.scannedFrom}..${hist.height} `);
  pager.append(note, before === null ? '' : more);
  mount(view,
    h('h1', {}, 'Account ', mono(address)),
    kv([
      ['balance', h('span', { id: 'balance' }, amount(acct.balance))], ['nonce', acct.nonce],
      ['stake', h('span', { id: 'stake' }, v ? amount(v.stake) : '0')],
      ['voting power', v ? (v.jailed ? '0 % (jailed)' : share(v.stake, vset.activeStake)) : undefined],
      ['jailed', v ? (v.jailed ? h('span', { class: 'bad' }, 'yes') : 'no') : undefined],
      ['unbonding', acct.unbonding.length ? acct.unbonding.map((u) => `${amount(u.amount)} at #${u.completionHeight}`).join(', ') : undefined],
    ]),
    activity ? [h('h2', {}, `Validator record (last ${ACTIVITY_BLOCKS} blocks)`), kv(activityRows(activity))] : null,
    h('h2', {}, 'History'),
    hist.items.length || before !== null
      ? h('table', { id: 'history' }, h('thead', {}, h('tr', {}, ['block', 'tx', 'tx kind', 'event', 'account', 'counterparty', 'amount'].map((x) => h('th', {}, x)))), tbody)
      : h('p', { class: 'muted' }, 'no history'),
    pager,
    jobs.jobs.length ? [h('h2', {}, 'Jobs solved'), jobTable(jobs.jobs)] : null,
  );
}

export async function validators(view) {
  const set = await call('validator_list');
  const acts = await batch(set.validators.map((v) => ['validator_getActivity', { address: v.address, blocks: ACTIVITY_BLOCKS }]));
  const active = set.validators.filter((v) => v.active).length;
  mount(view,
    h('h1', {}, `Validators at #${set.height}`),
    kv([['active stake', amount(set.activeStake)], ['active', String(active)], ['jailed or unbonding', String(set.validators.length - active)]]),
    h('h2', {}, `Every validator record (signed, missed and proposed: last ${ACTIVITY_BLOCKS} blocks)`),
    table(['validator', 'stake', 'voting power', 'jailed', 'signed', 'missed', 'proposed', 'slashes'], set.validators.map((v, i) => {
      const a = acts[i];
      return [linkAccount(v.address), h('span', { class: 'num stake' }, amount(v.stake)), v.active ? share(v.stake, set.activeStake) : '0 %',
        v.jailed ? h('span', { class: 'bad jailed' }, 'yes') : 'no', `${a.signed}/${a.expected}`, h('span', { class: a.missed ? 'warn missed' : 'missed' }, String(a.missed)),
        String(a.proposed), h('span', { class: a.slashes.length ? 'bad slashes' : 'slashes' }, a.slashes.length ? a.slashes.map((x) => amount(x.amount)).join(', ') : '0')];
    }), 'no validators'),
    h('p', { class: 'muted' }, 'A jailed validator (slashed for equivocation) has left the active set for good and has no voting power; search an address for its full record.'),
  );
}
