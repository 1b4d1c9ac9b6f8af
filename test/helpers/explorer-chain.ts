// What the explorer's tests and bench look at: a solo node (startSoloJobNode) with a transfer and an
// iris job (40 steps) that a real in-process Solver trains and the node's verifier replays through
// to its verdict.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { disputeTermsFor, encodeTx, signTx, termFloors, type JobTerms, type TxPayload } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { canonicalSpecJson, datasetRoot, loadDataset, parseSpec, withSteps } from '../../ml-runtime/index.ts';
import { Solver } from '../../node/solver/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import { startSoloJobNode, type SoloJobNode } from './solo-job-node.ts';

export const TRANSFER_AMOUNT = 123_456_789n;
export const JOB_STEPS = 40;

export interface ExplorerChain {
  solo: SoloJobNode; transferHash: string; jobId: string; datasetRoot: string;
  /** Runs the solver on the job (once) and resolves when the job is finalized. */
  solve(): Promise<void>;
}

/** The chain with the transfer and the job committed; the job is open until solve() (or with { solved: true }, already finalized). */
export async function startExplorerChain(prefix = 'polchain-explorer-', opts: { solved?: boolean } = {}): Promise<ExplorerChain> {
  const solo = await startSoloJobNode(prefix);
  try {
    let nonce = 0n;
    const send = async (payload: TxPayload): Promise<string> => {
      const raw = encodeTx(signTx({ chainId: 'polchain-dev', nonce: nonce++, fee: 1n, payload }, devAccount(0).seed));
      return (await solo.rpc.call('tx_submit', ['0x' + bytesToHex(raw)])).hash;
    };
    const committed = async (hash: string): Promise<void> => {
      for (let i = 0; i < 1500; i++) {
        if (await solo.rpc.call('tx_getReceipt', [hash])) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${hash} was not committed`);
    };
    const iris = loadDataset('iris').train;
    const spec = { ...withSteps(parseSpec(readFileSync(new URL('../../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), JOB_STEPS), checkpointInterval: 10 };
    const transferHash = await send({ kind: 'transfer', to: devAccount(2).address, amount: TRANSFER_AMOUNT });
    const terms: JobTerms = {
      spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
      windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 200, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 0n, parent: null,
      dispute: disputeTermsFor(spec, { window: 2 }),
    };
    terms.attestReward = termFloors(spec, terms).attestReward;
    const jobId = await send({ kind: 'job-submit', terms });
    await committed(transferHash);
    await committed(jobId);
    let solving: Promise<void> | undefined;
    const solve = () => (solving ??= (async () => {
      const solver = new Solver({ rpcUrl: solo.node.rpcUrl!, seed: devAccount(1).seed, dataDir: join(solo.dir, 'solver'), logger: pino({ level: 'silent' }), pollIntervalMs: 50, once: true });
      await solver.start();
      const [r] = await solver.wait();
      if (r?.status !== 'finalized') throw new Error(`the explorer's job did not finalize: ${r?.status} ${r?.outcome}`);
    })());
    if (opts.solved) await solve();
    return { solo, transferHash, jobId, datasetRoot: '0x' + bytesToHex(datasetRoot(iris)), solve };
  } catch (e) {
    await solo.stop();
    throw e;
  }
}
