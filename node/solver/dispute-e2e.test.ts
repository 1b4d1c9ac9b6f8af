// The dispute game end to end on a real in-process solo node (its validator is the committee, its
// verifier replays, its chain runs the det referee): the Solver plays its side over JSON-RPC from the
// job as job_get shows it. A run that diverges ends `diverged` through the referee; a false challenger
// loses its bond to the solver; a committee member that cannot reach the solver's DA server demands
// the chunks on chain, the solver posts them, and the job is paid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { canonicalSpecJson, datasetRoot, segmentBounds, validateSpec, type ModelSpec } from '../../ml-runtime/index.ts';
import { disputeTermsFor, encodeTx, signTx, type JobTerms, type TxPayload } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { PolchainNode } from '../node.ts';
import { SolverArtifacts } from '../jobs/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { Solver, type SolverEvent } from './index.ts';
import { bytesToHex, hexToBytes, sha256 } from '../../primitives/index.ts';
import { DATA, SPEC } from '../../test/helpers/job-work.ts';
import { startSoloJobNode, type SoloJobNode } from '../../test/helpers/solo-job-node.ts';

let solo: SoloJobNode;
let dir: string;
let node: PolchainNode;
let rpc: RpcClient;
const nonces = new Map<number, bigint>();
const quiet = pino({ level: 'silent' });

before(async () => {
  solo = await startSoloJobNode('polchain-dispute-e2e-');
  ({ dir, node, rpc } = solo);
});

after(async () => {
  await solo?.stop();
});

async function send(account: number, payload: TxPayload): Promise<string> {
  const nonce = nonces.get(account) ?? 0n;
  nonces.set(account, nonce + 1n);
  const raw = encodeTx(signTx({ chainId: 'polchain-dev', nonce, fee: 1n, payload }, devAccount(account).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  return bytesToHex(sha256(raw));
}

async function submitJob(spec: ModelSpec, over: Partial<JobTerms> = {}): Promise<string> {
  const terms: JobTerms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(DATA), datasetSize: DATA.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 250, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 100n, parent: null,
    dispute: disputeTermsFor(spec, { window: 60, move: 100, bond: 70n, demandFee: 3n }),
    ...over,
  };
  return send(0, { kind: 'job-submit', terms });
}

function solverFor(account: number, events: SolverEvent[], over: { onEvent?: (e: SolverEvent, s: Solver) => void } = {}): Solver {
  const s: Solver = new Solver({
    rpcUrl: node.rpcUrl!, seed: devAccount(account).seed, dataDir: join(dir, `solver${account}`), logger: quiet, pollIntervalMs: 50, once: true,
    onEvent: (e) => { events.push(e); over.onEvent?.(e, s); },
  });
  return s;
}

const kinds = (events: SolverEvent[]) => events.map((e) => e.type).filter((t) => t !== 'progress' && t !== 'skipped');

test('a run that becomes non-finite is committed as its prefix, proven by the referee, and ends diverged with the bond back and the work paid', { timeout: 120_000 }, async () => {
  const hot = validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 30 } });
  const id = await submitJob(hot);
  const events: SolverEvent[] = [];
  const solver = solverFor(1, events);
  await solver.start();
  const [r] = await solver.wait();
  assert.equal(r!.jobId, id);
  assert.deepEqual([r!.status, r!.outcome], ['diverged', 'diverged'], r!.reason ?? '');
  const div = events.find((e) => e.type === 'diverged') as Extract<SolverEvent, { type: 'diverged' }>;
  const t = div.step;
  assert.ok(t >= 1 && t < hot.steps);
  const e = r!.earnings!;
  assert.equal(e.bounty, (1000n * BigInt(t)) / (2n * BigInt(hot.steps)));
  assert.ok(e.bondReturned);
  assert.equal(e.observedDelta, e.net, 'the balance moved by the fee for the work less the transaction fees');
  assert.deepEqual(kinds(events), ['started', 'accepted', 'training', 'diverged', 'diverge-committed', 'dispute-move', 'dispute-move', 'provisional', 'dispute-resolved', 'ended']);
  const job = await rpc.call('job_get', ['0x' + id]);
  assert.equal(job.divergedAt, t);
});

test('a false challenger disputes an unsampled segment: the solver answers, supplies state_t and the batch, wins the bond and is paid', { timeout: 120_000 }, async () => {
  // 20 segments: the protocol's q = 16 draws always leave one unsampled to dispute
  const wide = validateSpec({ ...SPEC, steps: 40, checkpointInterval: 2 });
  const id = await submitJob(wide);
  const events: SolverEvent[] = [];
  let disputed = false;
  const solver = solverFor(3, events, {
    onEvent: (e) => {
      if (e.type !== 'provisional' || disputed) return;
      disputed = true;
      void (async () => {
        // the challenger: the solver's own hashes of a segment the sample missed, one of them changed
        const job = await rpc.call('job_get', ['0x' + id]);
        const j = [...Array(20).keys()].find((x) => x > 0 && !job.segments.includes(x))!;
        const art = await SolverArtifacts.open(join(dir, 'solver3'), hexToBytes(id));
        const b = segmentBounds(art.T, art.k, j);
        const hashes = (await art.stepHashes(b.from, b.to)).map((x) => x.slice());
        hashes[1]![0]! ^= 1;
        await send(2, { kind: 'dispute-open', jobId: hexToBytes(id), target: 'solver', segment: j, member: null, hashes });
      })();
    },
  });
  await solver.start();
  const [r] = await solver.wait();
  assert.deepEqual([r!.status, r!.outcome], ['finalized', 'paid'], r!.reason ?? '');
  const e = r!.earnings!;
  assert.deepEqual([e.disputes.won, e.disputes.bondsWon], [1, 70n]);
  assert.equal(e.net, 1000n + 70n - e.fees);
  assert.equal(e.observedDelta, e.net);
  const moves = events.filter((x) => x.type === 'dispute-move').map((x) => (x as Extract<SolverEvent, { type: 'dispute-move' }>).move);
  assert.deepEqual(moves, ['respond', 'state', 'samples']);
  const job = await rpc.call('job_get', ['0x' + id]);
  assert.deepEqual([job.disputes[0]!.winner, job.disputes[0]!.reason], ['solver', 'referee']);
});

test('the committee member cannot reach the solver\'s DA server: it demands the chunks on chain, the solver posts them, the job is paid', { timeout: 120_000 }, async () => {
  // q = 8 draws of 4 segments: one after the first (whose start is an opened checkpoint) but for 4^-8
  const id = await submitJob(SPEC, { q: 16 });
  const events: SolverEvent[] = [];
  const solver = solverFor(4, events, {
    onEvent: (e, s) => {
      // the solver's libp2p host goes down once it committed: its DA server is unreachable, JSON-RPC still works
      if (e.type === 'committed') void (s as unknown as { c: { host: P2pHost } }).c.host.stop();
    },
  });
  await solver.start();
  const [r] = await solver.wait();
  assert.deepEqual([r!.status, r!.outcome], ['finalized', 'paid'], r!.reason ?? '');
  const stats = node.verifierStats!;
  assert.ok(stats.demanded >= 1 && stats.chunksFromChain === stats.demanded, JSON.stringify(stats));
  assert.equal(stats.unavailable, 0);
  const e = r!.earnings!;
  assert.equal(e.disputes.demandsAnswered, stats.demanded);
  assert.equal(e.disputes.demandFees, 3n * BigInt(stats.demanded));
  assert.ok(events.some((x) => x.type === 'demand-answered'));
  const att = await rpc.call('job_getAttestations', ['0x' + id]);
  assert.deepEqual(att.members.map((m) => [m.unavailable, m.matched]), [[false, true]], 'the member attested the replayed digest');
});
