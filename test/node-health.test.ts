// GET /health and /ready with Lodestar's meanings on real nodes: a BFT full node that starts far
// behind a running network answers 503 (starting), then 206 (syncing: block sync over libp2p),
// then 200 once at the head; a solo validator is synced as soon as it serves. docs/operations.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PolchainNode } from '../node/index.ts';
import { sha256 } from '../primitives/index.ts';
import { startBftNet, waitFor } from './helpers/bft-net.ts';
import { freePort } from './helpers/free-port.ts';


async function statusOf(url: string): Promise<number | 'down'> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 'down';
  }
}

test('/health: 503 while starting, 206 while a BFT node catches up by block sync, 200 at the head; /ready follows', { timeout: 180_000 }, async (t) => {
  const net = await startBftNet(1, { blockIntervalMs: 100 });
  t.after(() => net.stop());
  const [v] = net.nodes;
  await waitFor(() => v!.state.height >= 40n, 90_000, 'the network is 40 blocks ahead');

  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  const dir = await mkdtemp(join(tmpdir(), 'polchain-health-'));
  net.dirs.push(dir);
  const seen: Array<number | 'down'> = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const s = await statusOf(base + 'health');
      if (seen.at(-1) !== s) seen.push(s);
      if (s === 200) return;
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  const late = await PolchainNode.start({
    dataDir: dir, genesis: net.genesis, validatorSeed: null, logger: pino({ level: 'silent' }),
    rpc: { enabled: true, host: '127.0.0.1', port }, blockIntervalMs: 100, emptyBlocks: true,
    engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: net.bootstrap, keySeed: sha256(new TextEncoder().encode(dir)) },
  });
  t.after(() => late.stop());
  await waitFor(() => seen.at(-1) === 200, 90_000, '/health 200 after catching up');
  polling = false;
  await poller;
  // 503 lasts only from the RPC server's start to the decider's (a few ms, caught or not by a poll)
  const answered = seen.filter((s) => s !== 'down' && s !== 503);
  assert.deepEqual(answered, [206, 200], `statuses seen in order: ${seen.join(' ')}`);
  assert.ok(seen.indexOf(503) <= 0 || seen.slice(0, seen.indexOf(503)).every((s) => s === 'down'), `503 only before serving: ${seen.join(' ')}`);
  assert.ok(late.state.height >= 40n, 'caught up by block sync');

  const health = await fetch(base + 'health');
  assert.deepEqual(await health.json(), { ok: true, status: 'synced' });
  const ready = await fetch(base + 'ready');
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { ready: true, status: 'synced' });
  // not serving once stopping begins (the RPC server closes right after)
  const stopping = late.stop();
  assert.equal(late.health(), 'unavailable');
  await stopping;
});
