// account_getHistory and validator_getActivity on a 4-validator BFT network in process (real libp2p,
// LevelDB, signatures), where validator 3 equivocates and is slashed and jailed: each validator's
// signed, missed and proposed counts agree with the stored commits and blocks read one by one, the
// slash shows with its exact amount, and an account's history pages back through every transfer,
// each once, to the unit; a call reads at most its scan bound; bad params are INVALID_PARAMS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { createRpcServer, RpcClient, RpcClientError, INVALID_PARAMS, type UntypedApi } from '../rpc/index.ts';
import { historyMethods } from '../node/rpc-methods/index.ts';
import { bytesToHex, encodeAddress } from '../primitives/index.ts';
import { startBftNet, waitFor } from './helpers/bft-net.ts';
import { launchChromium } from './helpers/chromium.ts';

/** The page's document, inside page.waitForFunction callbacks (they run in the browser). */
declare const document: any;

const AMOUNTS = [101n, 2_002n, 30_003n, 400_004n, 5_000_005n];

test('validator activity (signed, missed, proposed, slashes) and account history with paging', { timeout: 150_000 }, async (t) => {
  const net = await startBftNet(4, { equivocator: 3 });
  t.after(() => net.stop());
  const a = net.nodes[0]!;
  const rpc = new RpcClient(a.rpcUrl!);
  t.after(() => rpc.close());
  const cheat = a.state.getValidator(net.nodes[3]!.validatorAddress!)!;
  const stakeBefore = cheat.stake;

  // transfers, each in its own block, from dev account 0 to a fresh-ish account 4
  const to = encodeAddress(devAccount(4).address);
  for (const [i, amount] of AMOUNTS.entries()) {
    const raw = encodeTx(signTx({ chainId: a.state.chainId, nonce: BigInt(i), fee: 1n, payload: { kind: 'transfer', to: devAccount(4).address, amount } }, devAccount(0).seed));
    const { hash } = await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
    await waitFor(async () => (await rpc.call('tx_getReceipt', [hash])) !== null, 30_000, `transfer ${i} committed`);
  }
  await waitFor(() => a.state.getValidator(cheat.address)?.jailed === true, 90_000, 'the equivocator jailed');
  const jailedAt = a.state.height;
  await waitFor(() => a.state.height >= jailedAt + 3n, 60_000, 'blocks without the jailed validator');

  // validator activity, checked against the stored commits and blocks read one by one
  const act = await rpc.call('validator_getActivity', { address: encodeAddress(cheat.address), blocks: 1000 });
  const head = BigInt(act.to);
  assert.equal(act.from, '1');
  assert.equal(act.validator!.jailed, true);
  assert.deepEqual(act.slashes.map((s) => s.amount), [String((stakeBefore * 500n) / 10_000n)], 'one slash, slashFractionBps of its stake');
  assert.ok(act.expected < Number(head), `the jailed validator left the deciding set (${act.expected} of ${head} blocks)`);
  for (const v of net.nodes.map((n) => n.validatorAddress!)) {
    const addr = encodeAddress(v);
    const got = await rpc.call('validator_getActivity', { address: addr, blocks: 1000 });
    let signed = 0, proposed = 0;
    const unsigned: string[] = [];
    for (let h = 1n; h <= BigInt(got.to); h++) {
      const [commit, block] = await Promise.all([rpc.call('chain_getCommit', [String(h)]), rpc.call('chain_getBlock', [String(h)])]);
      if (commit.signatures.some((s) => s.validator === addr)) signed++; else unsigned.push(String(h));
      if (block.proposer === addr) proposed++;
    }
    assert.equal(got.signed, signed, `${addr}: signed`);
    assert.equal(got.proposed, proposed, `${addr}: proposed`);
    assert.equal(got.missed, got.expected - got.signed, `${addr}: missed = expected - signed`);
    assert.ok(got.missedHeights.every((h) => unsigned.includes(h)), `${addr}: every missed height lacks its signature`);
    if (addr !== encodeAddress(cheat.address)) assert.equal(got.expected, Number(got.to), `${addr}: an honest validator is expected at every height`);
  }
  assert.equal((await rpc.call('validator_getActivity', { address: encodeAddress(devAccount(4).address), blocks: 5 })).expected, 0, 'not a validator: expected nowhere');

  // validator_list keeps the jailed record; voting power is over the active stake only
  const list = await rpc.call('validator_list', []);
  const cheatAddr = encodeAddress(cheat.address);
  const jailedRow = list.validators.find((v) => v.address === cheatAddr)!;
  assert.deepEqual([jailedRow.jailed, jailedRow.active, jailedRow.stake], [true, false, String(stakeBefore - (stakeBefore * 500n) / 10_000n)]);
  assert.equal(list.validators.length, 4);
  assert.equal(list.activeStake, String(list.validators.filter((v) => v.active).reduce((t, v) => t + BigInt(v.stake), 0n)));
  assert.equal(act.activeStake, list.activeStake);

  // the explorer's validators page shows the jailed validator, its slash and no voting power
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await (await browser.newContext()).newPage();
  await page.goto(new URL('/#/validators', a.rpcUrl!).href);
  await page.waitForSelector('main[data-route="#/validators"] table');
  const rows = await page.$$eval('main tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  const cheatRow = rows.find((r) => (r[0] ?? '').startsWith(cheatAddr.slice(0, 12)))!;
  assert.deepEqual([cheatRow[2], cheatRow[3], cheatRow[7]], ['0 %', 'yes', act.slashes[0]!.amount.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')]);
  assert.equal(rows.filter((r) => r[3] === 'no').length, 3, 'three validators not jailed');

  // account history: a page of one item at a time walks back through every transfer, each once
  const seen: string[] = [];
  let before: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await rpc.call('account_getHistory', before ? { address: to, limit: 1, before } : { address: to, limit: 1 });
    for (const e of page.items) {
      assert.equal(e.kind, 'transfer');
      assert.equal(e.txKind, 'transfer');
      assert.equal(e.address, encodeAddress(devAccount(0).address), 'a transfer event is about its sender');
      assert.equal(e.counterparty, to);
      seen.push(e.amount);
    }
    before = page.nextBefore;
    if (before === null) break;
  }
  assert.equal(before, null, 'the walk reached block 1');
  assert.deepEqual(seen, AMOUNTS.map(String).reverse(), 'newest first, each transfer once, to the unit');
  const sender = await rpc.call('account_getHistory', { address: encodeAddress(devAccount(0).address), limit: 100 });
  assert.deepEqual(sender.items.filter((e) => e.kind === 'transfer').map((e) => e.counterparty), AMOUNTS.map(() => to));
  assert.equal(sender.items.filter((e) => e.kind === 'fee' && e.address === encodeAddress(devAccount(0).address)).length, AMOUNTS.length, 'one fee per transaction sent');

  // the scan bound: a call reads at most scanBlocks blocks and says where to go on
  const bounded = await createRpcServer({ methods: historyMethods({ state: a.state, store: a.store, scanBlocks: 3 }), port: 0 });
  t.after(() => bounded.close());
  const b = new RpcClient<UntypedApi>(bounded.url);
  t.after(() => b.close());
  const top = BigInt(a.state.height);
  const r = await b.call('account_getHistory', { address: encodeAddress(new Uint8Array(20).fill(0xee)), before: String(top + 1n) }) as { items: unknown[]; scannedFrom: string; nextBefore: string };
  assert.deepEqual([r.items.length, r.scannedFrom, r.nextBefore], [0, String(top - 2n), String(top - 2n)]);

  // the receipt bound: a call stops after the block whose receipts reach scanTxs
  const lastTransfer = BigInt(sender.items.find((e) => e.kind === 'transfer')!.height);
  const byTxs = await createRpcServer({ methods: historyMethods({ state: a.state, store: a.store, scanTxs: 1 }), port: 0 });
  t.after(() => byTxs.close());
  const bt = new RpcClient<UntypedApi>(byTxs.url);
  t.after(() => bt.close());
  const rt = await bt.call('account_getHistory', { address: encodeAddress(new Uint8Array(20).fill(0xee)), before: String(lastTransfer + 1n) }) as { scannedFrom: string; nextBefore: string };
  assert.deepEqual([rt.scannedFrom, rt.nextBefore], [String(lastTransfer), String(lastTransfer)], 'one block read: it held a transaction');

  // bad params change nothing and say what is wrong
  const u = rpc as unknown as RpcClient<UntypedApi>;
  for (const [method, params, re] of [
    ['account_getHistory', { address: 'pol1nope' }, /address/],
    ['account_getHistory', { address: to, limit: 0 }, /limit/],
    ['account_getHistory', { address: to, limit: 101 }, /limit/],
    ['account_getHistory', { address: to, before: 'abc' }, /before/],
    ['validator_getActivity', { address: to, blocks: 1001 }, /blocks/],
  ] as const) {
    await assert.rejects(u.call(method, params), (e: unknown) => e instanceof RpcClientError && e.code === INVALID_PARAMS && re.test(e.message), `${method} ${JSON.stringify(params)}`);
  }
});
