// Whether this solver takes an open job: runtime, spec, size, dataset, training time, funds and, for a child
// job, whether the parent's final weights can be had and can start the spec.
import { createTrainer, type Dataset } from '../../ml-runtime/index.ts';
import { initialStateFromParent } from '../jobs/index.ts';
import type { ChunkSources } from './chunk-sources.ts';
import type { SolverContext } from './context.ts';
import { SolverError } from './errors.ts';
import { shortId, type JobView } from './job-view.ts';
import { DEFAULT_BLOCK_INTERVAL_MS, SOLVER_RUNTIME } from './options.ts';
import { commitTimeProblem, stepMs } from './job-timing.ts';
import { fetchJobDataset } from './dataset-fetch.ts';
import { bytesToHex, errorLine } from '../../primitives/index.ts';

/** The dataset to train the job on, or why not (`permanent`: never look at the job again). */
export type JobChoice = { dataset: Dataset } | { reason: string; permanent: boolean };

/** Whether this solver can run the job: runtime, spec, size, dataset, parent weights, funds, time. */
export async function decideJob(c: SolverContext, sources: ChunkSources, v: JobView): Promise<JobChoice> {
  const no = (reason: string, permanent = true) => ({ reason, permanent });
  if (c.o.jobFilter && !c.o.jobFilter(v)) return no('excluded by the job filter');
  if (v.submitter === c.address) return no('submitted by this account (a submitter cannot accept its own job)');
  if (v.terms.runtime !== SOLVER_RUNTIME) return no(`runtime ${JSON.stringify(v.terms.runtime)} is not ${SOLVER_RUNTIME}`);
  const spec = v.terms.spec;
  if (!spec || v.terms.specText === null) return no(`spec does not parse: ${v.terms.specError ?? 'missing'}`);
  if (spec.steps > c.o.maxSteps) return no(`T = ${spec.steps} exceeds the limit of ${c.o.maxSteps} steps`);
  let dataset: Dataset | undefined;
  try {
    dataset = c.registry.byRoot(v.terms.datasetRoot);
  } catch (e) {
    return no(`dataset registry failed: ${errorLine(e)}`);
  }
  if (!dataset) {
    // a peer that is down now may serve it later: not permanent
    const got = await fetchJobDataset(c, v, spec);
    if ('reason' in got) return no(got.reason, (c.o.datasetPeers ?? []).length === 0);
    dataset = got.dataset;
  }
  if (v.terms.datasetSize !== 0 && v.terms.datasetSize !== dataset.count) return no(`datasetSize ${v.terms.datasetSize} does not match the dataset's ${dataset.count} samples`);
  try {
    createTrainer(spec, dataset, new Uint8Array(32));
  } catch (e) {
    return no(`spec does not fit the dataset: ${errorLine(e)}`);
  }
  // a job it cannot train within the commit window would cost it the bond: it is not accepted
  if (v.terms.windows) {
    const interval = c.o.blockIntervalMs ?? (await c.chain.blockIntervalMs().catch(() => null)) ?? DEFAULT_BLOCK_INTERVAL_MS;
    const late = commitTimeProblem(spec.steps, stepMs(spec, v.terms.specText, dataset), v.terms.windows.commit, interval);
    if (late) return no(late);
  }
  if (v.height !== null && v.height >= v.deadline) return no(`accept deadline ${v.deadline} has passed (height ${v.height})`);
  const { balance } = await c.chain.account();
  const need = v.terms.solverStake + c.o.fee;
  if (balance < need) return no(`balance ${balance} is below bond ${v.terms.solverStake} + fee ${c.o.fee}`, false);
  // last, as it may fetch the parent's weights: a job whose start state cannot be had is not accepted
  if (v.terms.parent) {
    const what = `parent job ${shortId(bytesToHex(v.terms.parent))}`;
    let bytes: Uint8Array;
    try {
      bytes = await sources.parentState(v.terms.parent, v.idHex, c.signal);
    } catch (e) {
      if (c.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'solver stopped');
      // only a parent that is not a finalized job is final; an unreachable solver or node may come back
      const permanent = e instanceof SolverError && e.code === 'SOLVER_CANNOT_RUN';
      return no(`${what}: ${e instanceof SolverError ? e.message : errorLine(e)}`, permanent);
    }
    try {
      initialStateFromParent(createTrainer(spec, dataset, new Uint8Array(32)), bytes);
    } catch (e) {
      return no(`${what}: its final state cannot start this spec: ${errorLine(e)}`);
    }
  }
  return { dataset };
}
