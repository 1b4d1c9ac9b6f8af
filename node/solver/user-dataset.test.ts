// A job on a user's dataset (a CSV through the importer, kept in a DatasetStore): the solver holds no
// such dataset, fetches it from its --dataset-peer (a real libp2p host serving the store, as the
// submitter's node does), proves every sample, trains, and the solo validator's verifier fetches the
// data from the solver in turn, replays and confirms: the job is paid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { disputeTermsFor, encodeTx, signTx, termFloors, type JobTerms } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { canonicalSpecJson, datasetRoot, importDataset, parseSpec, withSteps } from '../../ml-runtime/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { DatasetRegistry, DatasetStore, registerDatasetServer } from '../jobs/index.ts';
import { Solver, type SolverEvent } from './index.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';
import { startSoloJobNode, type SoloJobNode } from '../../test/helpers/solo-job-node.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const spec = { ...withSteps(parseSpec(readFileSync(join(ROOT, 'ml-runtime/specs/iris.json'), 'utf8')), 40), checkpointInterval: 10 };
const rows = Array.from({ length: 90 }, (_, i) => { const c = i % 3; return `${c + (i % 7) / 10},${2 - c + (i % 5) / 10},${(i % 4) / 3},${c * 0.5},${['red', 'green', 'blue'][c]}`; });
const user = importDataset('csv', new TextEncoder().encode(`a,b,c,d,colour\n${rows.join('\n')}\n`), { name: 'colours' }).dataset;
const quiet = pino({ level: 'silent' });

let solo: SoloJobNode;
let server: P2pHost;

before(async () => {
  solo = await startSoloJobNode('polchain-userds-');
  server = await createP2pHost({ chainId: 'polchain-dev', listen: ['/ip4/127.0.0.1/tcp/0'] });
  const store = new DatasetStore(join(solo.dir, 'submitter', 'datasets'));
  store.add('colours', user, { format: 'csv', file: 'colours.csv' });
  await registerDatasetServer(server, new DatasetRegistry([], store));
});
after(async () => {
  await server?.stop();
  await solo?.stop();
});

async function submit(nonce: bigint): Promise<string> {
  const terms: JobTerms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(user), datasetSize: user.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 200, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 0n, parent: null,
    dispute: disputeTermsFor(spec, { window: 2 }),
  };
  terms.attestReward = termFloors(spec, terms).attestReward;
  const raw = encodeTx(signTx({ chainId: 'polchain-dev', nonce, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
  await solo.rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  return bytesToHex(sha256(raw));
}

test('a job on a user\'s CSV dataset: the solver fetches it from its dataset peer, trains, the committee fetches it from the solver and the job is paid', { timeout: 90_000 }, async () => {
  const id = await submit(0n);
  const events: SolverEvent[] = [];
  // first without a dataset peer: the job is skipped, naming the flag
  const blind = new Solver({ rpcUrl: solo.node.rpcUrl!, seed: devAccount(2).seed, dataDir: join(solo.dir, 'solver0'), logger: quiet, pollIntervalMs: 50, onEvent: (e) => events.push(e) });
  await blind.start();
  for (let i = 0; i < 200 && !events.some((e) => e.type === 'skipped'); i++) await new Promise((r) => setTimeout(r, 25));
  await blind.stop();
  const skipped = events.find((e) => e.type === 'skipped');
  assert.ok(skipped && skipped.type === 'skipped' && /not a dataset this solver holds \(no --dataset-peer/.test(skipped.reason), JSON.stringify(skipped));

  const seen: SolverEvent[] = [];
  let ended!: () => void;
  const done = new Promise<void>((r) => { ended = r; });
  const addr = server.multiaddrs().find((a) => a.startsWith('/ip4/127.0.0.1/'))!;
  const solver = new Solver({
    rpcUrl: solo.node.rpcUrl!, seed: devAccount(1).seed, dataDir: join(solo.dir, 'solver1'), logger: quiet, pollIntervalMs: 50,
    datasetPeers: [addr.includes('/p2p/') ? addr : `${addr}/p2p/${server.peerId}`], onEvent: (e) => { seen.push(e); if (e.type === 'ended') ended(); },
  });
  await solver.start();
  await done;
  await solver.stop();
  const [r] = await solver.wait();
  assert.equal(r!.jobId, id);
  assert.equal(r!.status, 'finalized');
  assert.equal(r!.outcome, 'paid');
  const job = await solo.rpc.call('job_get', ['0x' + id]);
  assert.equal(job.terms.datasetRoot, '0x' + bytesToHex(datasetRoot(user)));
  // the committee (the solo validator) replayed on the data it fetched from the solver, and its digest matched
  const att = await solo.rpc.call('job_getAttestations', ['0x' + id]);
  assert.ok(att.verdictKnown, JSON.stringify(att));
  assert.equal(att.matchedStake, att.committeeStake, JSON.stringify(att));
  assert.ok(BigInt(att.matchedStake!) > 0n);
});
