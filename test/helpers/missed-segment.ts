// A TestChain salt under which a job's sample misses a segment: what a test of a dispute on an
// unsampled segment needs now that q >= 16 draws of SPEC's 4 segments nearly always cover them all.
import { JobStatus, type JobTerms } from '../../vm/index.ts';
import { TestChain } from './job-test-chain.ts';
import { DA_ADDRS, DA_PEER, commitAndWaitChallenge, submit } from './job-flow.ts';
import { SolverWork } from './job-work.ts';

/**
 * The first salt `${prefix}-0`, `${prefix}-1`, ... under which a job submitted with `terms`, then
 * accepted and committed as runJob does (the submitter's and solver's first transactions on a fresh
 * chain), has a sample missing one of `wanted`; and the first such segment. The draw depends on the
 * job id and the beacon, not on the trace, so an honest probe run predicts the run the test makes.
 * Each of SPEC's segments is missed with probability (3/4)^16 ≈ 1%, one of three about 3% of the time.
 */
export function saltMissing(prefix: string, terms: JobTerms, wanted: readonly number[], tries = 500): { salt: string; segment: number } {
  for (let i = 0; i < tries; i++) {
    const salt = `${prefix}-${i}`;
    const c = new TestChain(salt);
    const id = submit(c, terms);
    c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
    c.until(id, (x) => x.status === JobStatus.Training);
    const sampled = commitAndWaitChallenge(c, id, new SolverWork(c.job(id))).segments;
    const segment = wanted.find((s) => !sampled.includes(s));
    if (segment !== undefined) return { salt, segment };
  }
  throw new Error(`no salt ${prefix}-0..${tries - 1} whose sample misses one of ${JSON.stringify(wanted)}`);
}
