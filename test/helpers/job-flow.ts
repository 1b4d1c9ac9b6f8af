// Drives one job through its phases on a TestChain, with real training and replay.
import assert from 'node:assert/strict';
import { JobStatus, memberSegments, seatCount, type BlockResult, type Job, type JobTerms } from '../../vm/index.ts';
import type { Acct, TestChain } from './job-test-chain.ts';
import { SolverWork, digestFor, replay, terms } from './job-work.ts';
import type { ModelSpec } from '../../ml-runtime/index.ts';

export const DA_PEER = '12D3KooWtestpeer';
export const DA_ADDRS = ['/ip4/127.0.0.1/tcp/4001'];

export function submit(c: TestChain, t: JobTerms = terms()): Uint8Array {
  const b = c.block([c.tx(c.submitter, { kind: 'job-submit', terms: t })]);
  return b.txHashes[0]!;
}

/** Accepts, waits for the seed, trains `trainSpec` (the job's spec when honest). */
export function acceptAndTrain(c: TestChain, id: Uint8Array, trainSpec?: ModelSpec): SolverWork {
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  return new SolverWork(c.job(id), trainSpec);
}

export function commitAndWaitChallenge(c: TestChain, id: Uint8Array, work: SolverWork): Job {
  c.block([c.tx(c.solver, work.commit())]);
  c.until(id, (j) => j.status === JobStatus.Challenged);
  return c.job(id);
}

/** Opens, has `attesters` post their replayed digests, and waits for the reveal phase. */
export function openAndAttest(c: TestChain, id: Uint8Array, work: SolverWork, attesters: (job: Job) => Acct[]): Job {
  c.block([c.tx(c.solver, work.open(c.job(id)))]);
  const job = c.job(id);
  assert.equal(job.status, JobStatus.Attesting);
  const r = replay(job, work);
  c.block(attesters(job).map((m) => c.tx(m, { kind: 'job-attest', jobId: id, digest: digestFor(job, m.address, r) })));
  c.until(id, (j) => j.status !== JobStatus.Attesting);
  return c.job(id);
}

const ENDED: readonly number[] = [JobStatus.Finalized, JobStatus.Slashed, JobStatus.Expired, JobStatus.Diverged];
export const hasEnded = (j: Job): boolean => ENDED.includes(j.status);

/**
 * The whole job: `revealed` is the block whose reveal gave the provisional verdict; `last` the block
 * that ended it (the dispute window closing with no dispute, unless `keepOpen`, when it is `revealed`).
 */
export function runJob(
  c: TestChain, opts: { terms?: JobTerms; trainSpec?: ModelSpec; attesters?: (job: Job) => Acct[]; keepOpen?: boolean } = {},
): { id: Uint8Array; work: SolverWork; revealed: BlockResult; last: BlockResult } {
  const id = submit(c, opts.terms);
  const work = acceptAndTrain(c, id, opts.trainSpec);
  commitAndWaitChallenge(c, id, work);
  const job = openAndAttest(c, id, work, opts.attesters ?? ((j) => c.validators.filter((v) => j.committee.some((m) => m.address.every((b, i) => b === v.address[i])))));
  const revealed = c.block([c.tx(c.solver, work.reveal(job))]);
  assert.equal(c.job(id).status, JobStatus.Provisional, 'the reveal gives a provisional verdict');
  if (opts.keepOpen) return { id, work, revealed, last: revealed };
  const last = c.until(id, hasEnded).at(-1) ?? revealed;
  return { id, work, revealed, last };
}

/** Validators on `job`'s current committee. */
export const committeeOf = (c: TestChain, j: Job): Acct[] => c.validators.filter((v) => j.committee.some((m) => m.address.every((b, i) => b === v.address[i])));

/** A member whose silence still leaves a quorum (every segment covered, 2/3 of the seats), fewest seats first; null if none. */
export function spareMember(c: TestChain, j: Job): Acct | null {
  const ms = committeeOf(c, j).sort((a, b) => seatCount(j, a.address) - seatCount(j, b.address));
  return ms.find((lazy) => {
    const rest = ms.filter((v) => v !== lazy);
    const covered = new Set(rest.flatMap((v) => memberSegments(j, v.address)));
    const seats = rest.reduce((n, v) => n + seatCount(j, v.address), 0);
    return j.segments.every((x) => covered.has(x)) && 3 * seats >= 2 * j.seats.length;
  }) ?? null;
}
