// The explorer's weight and speed (docs/explorer.md): the bytes a first view loads (raw and gzip),
// and in headless Chromium the time from navigation to the first rendered view (the latest blocks,
// a validator's page, a finalized job's page), each the median of fresh-context loads. The baseline,
// measured in the same run and browser, is a navigation to the node's GET /health (a tiny JSON
// document on the same server): the ratio says what the page costs over the server's floor.
// Ends with one JSON line.
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { explorerPages } from '../node/explorer/index.ts';
import { startExplorerChain } from '../test/helpers/explorer-chain.ts';
import { launchChromium } from '../test/helpers/chromium.ts';

declare const document: any;
declare const performance: any;

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function firstRender(browser: Browser, url: string): Promise<number> {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.firstRenderMs !== undefined, undefined, { timeout: 30_000 });
    if (await page.isVisible('#notice')) throw new Error(`${url}: ${await page.textContent('#notice')}`);
    return Number(await page.evaluate(() => document.documentElement.dataset.firstRenderMs));
  } finally {
    await ctx.close();
  }
}

async function baseline(browser: Browser, url: string): Promise<number> {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(url, { waitUntil: 'load' });
    return Number(await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd));
  } finally {
    await ctx.close();
  }
}

// what a first view loads: the page (served at /), its modules and its styles, once each
const unique = explorerPages().filter((p) => p.path !== '/explorer' && p.path !== '/explorer/');
const bytes = unique.reduce((n, p) => n + Buffer.byteLength(p.body), 0);
const gzipBytes = unique.reduce((n, p) => n + gzipSync(p.body).length, 0);
console.log(`explorer: ${unique.length} files, ${bytes} bytes (${gzipBytes} gzipped), no library, no build step`);

const chain = await startExplorerChain('polchain-bench-explorer-', { solved: true });
const browser = await launchChromium();
try {
  const base = chain.solo.node.rpcUrl!;
  const validator = (await chain.solo.rpc.call('chain_getValidators', [])).validators[0]!.address;
  const pages: Record<string, string> = { home: '/explorer', validator: `/#/account/${validator}`, job: `/#/job/${chain.jobId}` };
  await firstRender(browser, new URL('/explorer', base).href); // warm the browser's caches of its own code
  const health: number[] = [];
  const renders: Record<string, number[]> = { home: [], validator: [], job: [] };
  for (let i = 0; i < RUNS; i++) {
    health.push(await baseline(browser, new URL('/health', base).href));
    for (const [name, path] of Object.entries(pages)) renders[name]!.push(await firstRender(browser, new URL(path, base).href));
  }
  const baseMs = median(health);
  const out: Record<string, number | string> = { bench: 'explorer', runs: RUNS, files: unique.length, bytes, gzipBytes, baselineHealthMs: Math.round(baseMs * 10) / 10 };
  for (const [name, xs] of Object.entries(renders)) {
    const ms = median(xs);
    out[`${name}FirstRenderMs`] = ms;
    out[`${name}VsBaseline`] = Math.round((ms / Math.max(baseMs, 1)) * 10) / 10;
    console.log(`first render ${name.padEnd(9)} ${String(ms).padStart(5)} ms median of ${RUNS} (${out[`${name}VsBaseline`]}x a /health navigation, ${baseMs.toFixed(1)} ms)`);
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
  await chain.solo.stop();
}
