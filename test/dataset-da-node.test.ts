// A user's CSV and text file, added with `polchain dataset add`, are served by root over the dataset DA
// protocol by a real node process (solo engine, libp2p over TCP) and fetched and proven sample by sample
// by another real libp2p peer; `job submit --dataset NAME|ROOT` puts the stored dataset's root and size
// on chain through that node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRoot, encodeSample } from '../ml-runtime/index.ts';
import { createP2pHost } from '../node/p2p/index.ts';
import { DatasetStore, JobsError, fetchDataset } from '../node/jobs/index.ts';
import { runCli, startNode, ROOT } from './helpers/node-process.ts';
import { bytesToHex, hexToBytes } from '../primitives/index.ts';

const IRIS_SPEC = join(ROOT, 'ml-runtime/specs/iris.json'); // inputShape [4], 3 classes

test('stored csv and text datasets: served by a real node over DA, fetched and proven by a peer, submitted by name and root', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-dsda-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  assert.equal((await runCli(['init', '--data-dir', data, '--dev-accounts', '2'])).code, 0);
  const rows = Array.from({ length: 40 }, (_, i) => `${(i % 7) / 2},${(i % 5) - 1.5},${i / 10},${(i * 3) % 11},${['a', 'b', 'c'][i % 3]}`);
  await writeFile(join(dir, 'mine.csv'), `f1,f2,f3,f4,kind\n${rows.join('\n')}\n`);
  await writeFile(join(dir, 'poem.txt'), 'the quick brown fox jumps over the lazy dog; ça va très bien.\n'.repeat(30));
  const add = async (file: string, fmt: string, ...extra: string[]) => {
    const r = await runCli(['dataset', 'add', join(dir, file), '--format', fmt, '--json', '--data-dir', data, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { name: string; root: string; count: number };
  };
  const csv = await add('mine.csv', 'csv');
  assert.equal(csv.count, 40);

  // the default (solo) engine: a solo validator listens on --p2p-listen once its data dir holds datasets
  const node = await startNode(data, ['--p2p-listen', '/ip4/127.0.0.1/tcp/0', '--block-interval-ms', '200']);
  t.after(() => node.kill());
  const listening = node.logs().split('\n').map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((j) => j.msg === 'p2p: listening');
  assert.ok(listening, 'the node logged its libp2p address');
  // added while the node runs: served too (the store is read at request time)
  const txt = await add('poem.txt', 'text', '--context', '32');

  const peer = await createP2pHost({ chainId: listening.chainId, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], heartbeatMs: 100, redialMs: 0 });
  t.after(() => peer.stop());
  const nodePeer = { peerId: listening.peerId as string, addrs: listening.addrs as string[] };
  const store = new DatasetStore(join(data, 'datasets'));
  for (const d of [csv, txt]) {
    const root = hexToBytes(d.root.slice(2));
    let progress = 0;
    const got = await fetchDataset(peer, nodePeer, root, d.count, { onProgress: (n) => { progress = n; } });
    assert.equal(progress, d.count);
    assert.equal('0x' + bytesToHex(datasetRoot(got)), d.root, `${d.name}: every sample proven, the rebuilt dataset has the root`);
    const local = store.load(d.root.slice(2))!;
    for (const i of [0, d.count - 1]) assert.deepEqual(encodeSample(got, i), encodeSample(local, i));
  }
  assert.equal(store.load(txt.root.slice(2))!.task, 'next-token');
  await assert.rejects(fetchDataset(peer, nodePeer, new Uint8Array(32).fill(7), 5), (e: unknown) => e instanceof JobsError && e.code === 'DA_NOT_FOUND');

  // job submit resolves the stored name and the root; the chain records the stored dataset's root and size
  const submit = async (ds: string, nonce: number) => {
    const r = await runCli(['job', 'submit', '--spec', IRIS_SPEC, '--dataset', ds, '--bounty', '1000', '--dev-account', '0', '--nonce', String(nonce), '--data-dir', data, '--rpc', node.url]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).jobId as string;
  };
  const ids = [await submit('mine', 0), await submit(csv.root, 1)];
  for (const id of ids) {
    let job: { terms?: { datasetRoot: string; datasetSize: number } } = {};
    for (let i = 0; i < 100 && !job.terms; i++) {
      const st = await runCli(['job', 'status', id, '--json', '--rpc', node.url]);
      if (st.code === 0) job = JSON.parse(st.stdout);
      else await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(job.terms?.datasetRoot, csv.root);
    assert.equal(job.terms?.datasetSize, 40);
  }
});
