// Prints the values a restructure must not change, one `name value` line each: the sha256 of every
// golden file, the det kernel golden outputs and golden trace roots recomputed now, the bundled
// datasets' roots, the dev genesis and a short dev chain (block hashes and state roots at fixed
// time), and the final state roots of job flows through the vm (honest and cheating solvers).
// Run: npm run golden > after.txt, then diff against the same output of an earlier commit.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ml0 from '../ml-runtime/index.ts';
import * as det from '../ml-runtime/det/index.ts';
import * as vm0 from '../vm/index.ts';
import * as prim from '../primitives/index.ts';
import * as gen from '../genesis/index.ts';
import * as cons from '../consensus/index.ts';
import { kernelCases } from '../test/helpers/det-kernel-cases.ts';
import { trainSteps } from '../test/helpers/det-train-cases.ts';
import { JobSim, Solver, plan } from '../test/helpers/job-sim/index.ts';
import { TestChain } from '../test/helpers/job-test-chain.ts';
import { runJob } from '../test/helpers/job-flow.ts';
import * as work from '../test/helpers/job-work.ts';

const P = {
  specsDir: 'ml-runtime/specs',
  kernelGolden: 'ml-runtime/det/golden/kernels.json',
  traceGolden: 'ml-runtime/golden/traces.json',
  datasetGolden: 'ml-runtime/data/golden-roots.json',
};
const root = fileURLToPath(new URL('..', import.meta.url));
const { tf } = ml0;
const ml = { ...ml0, toHex: prim.bytesToHex };
const vm: any = { ...vm0, ...prim };
const out = (name: string, value: unknown) => console.log(`${name} ${value}`);
const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');
const t0 = performance.now();
const hex = (b: Uint8Array) => vm.bytesToHex(b);

// 1. golden files on disk (found by name, so moved files show up under their new path)
const files = execSync('git ls-files --cached --others --exclude-standard', { cwd: root, encoding: 'utf8' }).split('\n')
  .filter((f) => /golden/i.test(f) && !f.endsWith('.test.ts') && !f.endsWith('golden-report.ts') && existsSync(join(root, f))).map((f) => [f.split('/').pop()!, f] as const);
for (const [base, f] of [...new Map(files)].sort(([a], [b]) => (a < b ? -1 : 1))) out(`file:${base}`, sha(readFileSync(join(root, f))));

// 2a. det kernel golden outputs recomputed (same procedure as ml-runtime/det/golden.test.ts)
await ml.selectBackend('det'); // registers det and silences tfjs's first-use banner (so stdout is only the report)
if (!tf.findBackend(det.DET_BACKEND)) det.registerDetBackend();
await tf.setBackend(det.DET_BACKEND);
const tsha = (t: any) => {
  const h = createHash('sha256');
  if (Array.isArray(t)) for (const a of t) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  else { const v = t.dataSync() as Float32Array; h.update(JSON.stringify(t.shape)); h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); }
  return h.digest('hex');
};
const kern: Record<string, string> = {};
for (const c of kernelCases()) kern[c.name] = tf.tidy(() => tsha(c.run()));
kern['train_mlp_adam_3steps'] = tsha(await trainSteps('mlp', 3));
kern['train_cnn_adam_2steps'] = tsha(await trainSteps('cnn', 2));
const kSorted = Object.fromEntries(Object.entries(kern).sort(([a], [b]) => (a < b ? -1 : 1)));
const committed = JSON.parse(readFileSync(join(root, P.kernelGolden), 'utf8'));
out('kernels.runtime', det.DET_RUNTIME_VERSION);
out('kernels.count', Object.keys(kSorted).length);
out('kernels.recomputed_sha256', sha(JSON.stringify(kSorted)));
out('kernels.match_committed', JSON.stringify(kSorted) === JSON.stringify(Object.fromEntries(Object.entries(committed.sha256).sort(([a], [b]) => (a < b ? -1 : 1)))));

// 2b. golden trace roots recomputed (as ml-runtime/train/golden.test.ts)
await ml.selectBackend('det');
const traces = JSON.parse(readFileSync(join(root, P.traceGolden), 'utf8'));
out('det.runtimeVersion', await ml.detRuntimeVersion());
const mnist = ml.loadDataset('mnist');
for (const name of ['golden-mlp', 'golden-cnn']) {
  const spec = ml.parseSpec(readFileSync(join(root, P.specsDir, `${name}.json`), 'utf8'));
  const jobId = ml.localJobId(spec, 'mnist');
  const seed = ml.jobSeedForLocalRun(jobId);
  const r = ml.runTraceSync(ml.createTrainer(spec, mnist.train, seed), jobId);
  out(`${name}.steps`, spec.steps);
  out(`${name}.specHash`, ml.toHex(ml.specHash(spec)));
  out(`${name}.seed`, ml.toHex(seed));
  out(`${name}.traceRoot`, ml.toHex(r.traceRoot));
  out(`${name}.checkpointsRoot`, ml.toHex(r.checkpointsRoot));
  out(`${name}.firstHash`, ml.toHex(r.stepHashes[0]));
  out(`${name}.lastHash`, ml.toHex(r.stepHashes.at(-1)!));
  out(`${name}.finalLoss`, r.losses.at(-1));
  const gc = traces.cases[name === 'golden-mlp' ? 'mlp' : 'cnn'];
  out(`${name}.match_committed`, gc.traceRoot === ml.toHex(r.traceRoot) && gc.checkpointsRoot === ml.toHex(r.checkpointsRoot) && gc.lastHash === ml.toHex(r.stepHashes.at(-1)!) && gc.finalLoss === r.losses.at(-1));
}
// the committed spec hash (ml-runtime/spec/spec.test.ts's base spec)
out('spec.goldenSpecHash', ml.toHex(ml.specHash(ml.validateSpec({
  format: 'polchain/model-spec/v1', inputShape: [784], layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categorical_crossentropy', optimizer: { type: 'adam', learningRate: 0.001 }, batchSize: 64, steps: 400, checkpointInterval: 50,
}))));

// 3. dataset roots recomputed (as ml-runtime/data/data.test.ts)
const droots = JSON.parse(readFileSync(join(root, P.datasetGolden), 'utf8'));
for (const n of ml.DATASET_NAMES) {
  const d = ml.loadDataset(n);
  out(`dataset.${n}.match_committed`, droots[n]?.train.root === ml.toHex(ml.datasetRoot(d.train)) && droots[n]?.test.root === ml.toHex(ml.datasetRoot(d.test)));
  out(`dataset.${n}.train`, `${d.train.count} ${ml.toHex(ml.datasetRoot(d.train))}`);
  out(`dataset.${n}.test`, `${d.test.count} ${ml.toHex(ml.datasetRoot(d.test))}`);
}

// 4a + 5. dev genesis (demo's validator seeds, fixed time) and a short chain of transfers / stake / unbond
const vseeds = [0, 1, 2, 3].map((i) => vm.sha256(new TextEncoder().encode(`polchain demo validator ${i}`)));
const vals = vseeds.map((seed) => { const pk = vm.publicKeyFromSeed(seed); return { seed, bls: cons.blsSecretFromSeed(seed), address: vm.addressFromPublicKey(pk), consensusKey: pk, blsKey: cons.blsPublicKey(cons.blsSecretFromSeed(seed)) }; });
const g = gen.devGenesis({ validators: vals.map(({ address, consensusKey, blsKey }) => ({ address, consensusKey, blsKey })), genesisTimeMs: 1_700_000_000_000n });
const st = gen.genesisState(g);
out('dev.genesisHash', hex(gen.genesisHash(g)));
out('dev.h0.stateRoot', hex(st.stateRoot));
const da = (i: number) => gen.devAccount(i);
const nonces = new Map<string, bigint>();
const tx = (seed: Uint8Array, payload: unknown) => {
  const k = hex(seed); const n = nonces.get(k) ?? 0n; nonces.set(k, n + 1n);
  return vm.signTxBytes({ chainId: g.chainId, nonce: n, fee: 1n, payload }, seed);
};
const d5bls = cons.blsPublicKey(cons.blsSecretFromSeed(da(5).seed));
const d5pop = vm.signBlsPop(cons.blsSecretFromSeed(da(5).seed), g.chainId, da(5).address, d5bls); // since the proof of possession (issue 12)
const blocks: Uint8Array[][] = [
  [tx(da(0).seed, { kind: 'transfer', to: da(1).address, amount: 1000n }), tx(da(2).seed, { kind: 'transfer', to: da(3).address, amount: 7n })],
  [tx(da(5).seed, { kind: 'stake', consensusKey: da(5).publicKey, blsKey: d5bls, amount: 5000n, blsPop: d5pop }), tx(da(0).seed, { kind: 'transfer', to: da(4).address, amount: 1n })],
  [tx(vals[1]!.seed, { kind: 'unbond', amount: 1000n }), tx(da(5).seed, { kind: 'stake', consensusKey: da(5).publicKey, blsKey: d5bls, amount: 2000n, blsPop: d5pop })],
  [tx(da(1).seed, { kind: 'transfer', to: da(0).address, amount: 500n }), tx(da(5).seed, { kind: 'unbond', amount: 1500n })],
  [],
];
for (const txs of blocks) {
  const h = st.height + 1n;
  const p = vals[Number(h % 4n)]!;
  const r = vm.buildBlock(st, { height: h, timestampMs: g.genesisTimeMs + h * 1000n, proposer: p.address, beaconSig: cons.beaconSign(p.bls, g.chainId, h, st.beacon) }, txs);
  if (r.rejected.length) throw new Error(`dev block ${h}: ${r.rejected.map((x: any) => x.error.code).join(',')}`);
  vm.commitBlock(st, r);
  out(`dev.h${h}`, `${hex(r.hash)} ${hex(st.stateRoot)}`);
}

// 4b. job flows through the vm: vm/jobs/testing (TestChain) honest + wrong-lr cheat; test/helpers/job-sim duel (honest + skip cheat)
for (const [name, opts] of [['honest', {}], ['cheat-lr', { trainSpec: ml.validateSpec({ ...work.SPEC, optimizer: { type: 'sgd', learningRate: 0.1 } }) }]] as const) {
  const c = new TestChain();
  const { id } = runJob(c, opts);
  const j = c.job(id);
  out(`testchain.${name}`, `h${c.height} ${c.roots.at(-1)} ${j.status}:${j.outcome} roots=${sha(c.roots.join(','))}`);
}
const regression = ml.parseSpec(readFileSync(join(root, P.specsDir, 'regression.json'), 'utf8'));
const sim = new JobSim({ salt: '"skip"' });
const terms = sim.terms(ml.validateSpec({ ...regression, steps: 8, checkpointInterval: 2 }), ml.loadDataset('synthetic-regression').train,
  { q: 16, committeeSize: 5, bounty: 100_000n, solverStake: 50_000n, attestReward: 1_200n });
const a = sim.submitTx(terms);
const b = sim.submitTx(terms);
sim.next([a.tx, b.tx]);
await sim.drive([plan(a.jobId, new Solver(sim.solvers[0])), plan(b.jobId, new Solver(sim.solvers[1]), { kind: 'skip', segments: [0, 1, 2, 3] })]);
for (const [n, id] of [['honest', a.jobId], ['cheat-skip', b.jobId]] as const) { const j = sim.job(id); out(`jobsim.${n}`, `${hex(id)} ${j.status}:${j.outcome}`); }
out('jobsim.final', `h${sim.state.height} ${hex(sim.state.stateRoot)}`);
console.error(`golden-report: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

