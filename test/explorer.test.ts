// The explorer page in headless Chromium (Debian's chromium, driven by playwright-core) against a
// real in-process node: a solo validator on LevelDB with JSON-RPC and WebSocket on 127.0.0.1, a
// transfer, and an iris job trained by a real Solver and replayed by the node's verifier through to
// its verdict. One node, one browser, several checks; screenshots go to the test's temp folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { devAccount, devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { PolchainNode } from '../node/index.ts';
import { addressFromPublicKey, encodeAddress, publicKeyFromSeed } from '../primitives/index.ts';
import type { SoloJobNode } from './helpers/solo-job-node.ts';
import { startExplorerChain, TRANSFER_AMOUNT } from './helpers/explorer-chain.ts';
import type { RpcClient, UntypedApi } from '../rpc/index.ts';
import { launchChromium } from './helpers/chromium.ts';

/** The page's document, inside page.evaluate / waitForFunction callbacks (they run in the browser). */
declare const document: any;

const group = (n: bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

let solo: SoloJobNode;
let browser: Browser;
let shots: string;
let transferHash: string;
let jobId: string;
let dataset: string;
let solve: () => Promise<void>;

before(async () => {
  ({ solo, transferHash, jobId, datasetRoot: dataset, solve } = await startExplorerChain());
  // EXPLORER_SCREENSHOTS=DIR keeps them (docs/explorer.png comes from there); else the node's temp folder
  shots = process.env.EXPLORER_SCREENSHOTS ?? join(solo.dir, 'screenshots');
  await mkdir(shots, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await solo?.stop();
});

/** A fresh context per page (no shared storage), failing the test on any uncaught page error. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL(path, solo.node.rpcUrl!).href);
  return { page, errors };
}

/** Waits for a selector; on a timeout the error carries what the page said instead. */
async function shown(page: Page, selector: string): Promise<void> {
  try {
    await page.waitForSelector(selector, { timeout: 20_000 });
  } catch (e) {
    throw new Error(`${selector} not shown; the page says: ${(await page.textContent('body'))?.replace(/\s+/g, ' ').slice(0, 1500)}`, { cause: e });
  }
}

async function search(page: Page, q: string): Promise<void> {
  await page.fill('#q', q);
  await page.click('#search button');
}

test('the head advances live, a transfer is found by its hash, bad input gets a clear message', { timeout: 60_000 }, async () => {
  const { page, errors } = await open('/explorer');
  await shown(page, '#latest-blocks tbody tr');
  await page.waitForFunction(() => document.getElementById('head-state')?.textContent === 'live');
  const first = Number(await page.textContent('#head-height'));
  await page.waitForFunction((h) => Number(document.getElementById('head-height')?.dataset.height) > h + 2, first);
  await page.waitForFunction((h) => Number(document.querySelector('#latest-blocks tbody tr')?.getAttribute('data-height')) > h, first);
  await page.screenshot({ path: join(shots, 'home.png') });

  await search(page, transferHash.toUpperCase().replace('0X', '0x'));
  await shown(page, `main[data-route="#/tx/${transferHash}"] #tx-amount`);
  assert.equal(await page.textContent('#tx-amount'), group(TRANSFER_AMOUNT));
  assert.equal(new URL(page.url()).hash, `#/tx/${transferHash}`);
  assert.match(await page.textContent('main') ?? '', new RegExp(encodeAddress(devAccount(2).address)));
  await page.screenshot({ path: join(shots, 'transfer.png') });
  await search(page, '#2');
  await shown(page, 'main[data-route="#/block/2"] h1');
  assert.equal(await page.textContent('main h1'), 'Block #2');

  for (const [q, expect] of [
    ['not a thing', /is not a transaction hash, an address, a block height or a job id/],
    ['0x1234', /has 4 hex digits; transaction hashes, job ids and block hashes have 64/],
    ['pol1qqqq', /is not a valid address/],
    ['99999999', /There is no block at height 99999999: the chain's blocks run from 1 to \d+/],
    ['0x' + 'ab'.repeat(32), /Nothing on chain has the hash 0xabab/],
    ['', /Type a transaction hash, an address/],
  ] as const) {
    await search(page, q);
    await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('notice')?.textContent ?? ''), expect.source);
    assert.equal(await page.isVisible('#notice'), true, `the message for ${JSON.stringify(q)} is shown`);
    assert.ok((await page.textContent('main'))!.trim().length > 0, 'the page is not blank');
  }
  await page.screenshot({ path: join(shots, 'bad-search.png') });
  await page.goto(new URL('/explorer#/nowhere', solo.node.rpcUrl!).href);
  await page.waitForFunction(() => /there is no page at #\/nowhere/.test(document.querySelector('main')?.textContent ?? ''));
  assert.deepEqual(errors, []);
});

test("a validator's stake, voting power and signing record; an account's history", { timeout: 60_000 }, async () => {
  const set = await solo.rpc.call('chain_getValidators', []);
  const v = set.validators[0]!;
  const { page, errors } = await open('/#/validators');
  await shown(page, 'td .stake');
  assert.equal(await page.textContent('td .stake'), group(BigInt(v.stake)));
  assert.match((await page.textContent('main'))!, /100\.00 %/);
  await page.screenshot({ path: join(shots, 'validators.png') });

  await search(page, v.address);
  await shown(page, `main[data-route="#/account/${v.address}"] #stake`);
  assert.equal(await page.textContent('#stake'), group(BigInt(v.stake)));
  assert.equal(await page.textContent('#missed'), '0', 'the solo validator signed every block');

  await search(page, encodeAddress(devAccount(2).address));
  await shown(page, `main[data-route="#/account/${encodeAddress(devAccount(2).address)}"] #history tbody tr`);
  const balance = (await solo.rpc.call('account_get', [encodeAddress(devAccount(2).address)])).balance;
  assert.equal(await page.textContent('#balance'), group(BigInt(balance)));
  const row = await page.textContent('#history tbody');
  assert.match(row!, /transfer/);
  assert.match(row!, new RegExp(group(TRANSFER_AMOUNT)));
  assert.deepEqual(errors, []);
});

test("a job's timeline through to its verdict, its spec, dataset root, proven model and the loss curve area", { timeout: 60_000 }, async () => {
  // the page is open on the job before a solver takes it, and follows it live to its verdict
  const { page, errors } = await open('/');
  await search(page, jobId);
  await shown(page, `main[data-route="#/job/${jobId}"] #timeline`);
  assert.equal(await page.textContent('#job-status'), 'open');
  assert.equal(await page.getAttribute('#timeline li[data-step="accepted"]', 'class'), 'current');
  await solve();
  await page.waitForFunction(() => document.getElementById('outcome')?.textContent === 'paid', undefined, { timeout: 30_000 });
  const steps = await page.$$eval('#timeline li', (lis) => lis.map((li) => [li.getAttribute('data-step'), li.className]));
  assert.deepEqual(steps.map((s) => s[0]), ['submitted', 'accepted', 'seed', 'committed', 'challenge', 'committee', 'openings', 'attestations', 'reveals', 'disputes', 'verdict', 'payouts']);
  assert.ok(steps.every((s) => s[1] === 'done'), `every step of a paid job is done: ${JSON.stringify(steps)}`);
  assert.equal(await page.textContent('#verdict'), 'paid');
  assert.equal(await page.textContent('#outcome'), 'paid');
  assert.equal(await page.textContent('#job-status'), 'finalized');
  assert.equal(await page.textContent('#dataset-root'), dataset);
  const model = await solo.rpc.call('job_getModel', [jobId]);
  assert.equal(await page.textContent('#weights-root'), model.weightsRoot);
  assert.ok(await page.isVisible('#loss-curve'), 'the loss curve area is present');
  // drawn from job_getLossCurve where the node serves it, else a sentence that says it is not available
  const served = (await solo.rpc.call('rpc.discover', [])).methods.some((m) => m.name === 'job_getLossCurve');
  if (served) {
    const curve = await (solo.rpc as unknown as RpcClient<UntypedApi>).call('job_getLossCurve', { jobId }) as { available: boolean; points: Array<{ status: string }> };
    if (curve.available) {
      await shown(page, '#loss-curve svg.loss polyline');
      const drawn = await page.evaluate(() => ({ line: document.querySelector('#loss-curve polyline').getAttribute('points').split(' ').length, confirmed: document.querySelectorAll('#loss-curve circle.confirmed').length, mismatch: document.querySelectorAll('#loss-curve path.mismatch').length }));
      assert.deepEqual(drawn, { line: curve.points.length, confirmed: curve.points.filter((p) => p.status === 'confirmed').length, mismatch: curve.points.filter((p) => p.status === 'mismatch').length });
      assert.ok(drawn.confirmed > 0, 'the committee replay confirmed some points of an honest job');
    } else assert.match((await page.textContent('#loss-curve'))!, /loss curve not available: /);
  } else assert.match((await page.textContent('#loss-curve'))!, /loss curve not available \(this node does not serve job_getLossCurve\)/);
  await page.screenshot({ path: join(shots, 'job.png'), fullPage: true });

  // the solver's page: the bond and fees its transactions paid, the payout and refund the settlement made (block-level events)
  const solver = (await solo.rpc.call('job_get', [jobId])).solver!;
  await search(page, solver);
  await shown(page, `main[data-route="#/account/${solver}"] #history tbody tr`);
  const rows = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  const settled = rows.filter((r) => r[1] === 'block').map((r) => [r[3], r[6]]);
  assert.deepEqual(settled.sort(), [['job_payout', '1 000'], ['job_refund', '500']]);
  assert.deepEqual(rows.filter((r) => r[3] === 'job_bond').map((r) => [r[2], r[6]]), [['job-accept', '500']]);

  // the chart marks confirmed points and mismatches distinctly (the module the job view draws with)
  const drawn = await page.evaluate(async () => {
    const { lossChart } = await import('/explorer/loss-chart.js' as string);
    const pts = Array.from({ length: 40 }, (_, i) => ({ step: i + 1, loss: 2 / (i + 1), status: i % 10 === 0 ? 'confirmed' : i === 25 ? 'mismatch' : 'committed' }));
    const svg = lossChart(pts, 40);
    return { confirmed: svg.querySelectorAll('circle.confirmed').length, mismatch: svg.querySelectorAll('path.mismatch').length, line: svg.querySelector('polyline')!.getAttribute('points')!.split(' ').length };
  });
  assert.deepEqual(drawn, { confirmed: 4, mismatch: 1, line: 40 });
  assert.deepEqual(errors, []);
});

test('the explorer is off with explorer: false (polchain start --no-explorer): GET / is JSON-RPC\'s 404', { timeout: 30_000 }, async () => {
  const on = await fetch(new URL('/explorer/app.js', solo.node.rpcUrl!));
  assert.equal(on.status, 200);
  assert.match(on.headers.get('content-type')!, /^text\/javascript/);
  const etag = on.headers.get('etag')!;
  assert.equal((await fetch(new URL('/explorer/app.js', solo.node.rpcUrl!), { headers: { 'if-none-match': etag } })).status, 304);
  const seed = new Uint8Array(32).fill(3);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(publicKeyFromSeed(seed)), consensusKey: publicKeyFromSeed(seed), blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n });
  const node = await PolchainNode.start({
    dataDir: join(solo.dir, 'off'), genesis, validatorSeed: null, logger: pino({ level: 'silent' }),
    rpc: { enabled: true, host: '127.0.0.1', port: 0, explorer: false }, blockIntervalMs: 1000, emptyBlocks: false,
  });
  try {
    const r = await fetch(node.rpcUrl!);
    assert.equal(r.status, 404);
    assert.match(await r.text(), /JSON-RPC is served at POST \/ and \/ws/);
    assert.equal((await fetch(new URL('/explorer', node.rpcUrl!))).status, 404);
  } finally {
    await node.stop();
  }
});
