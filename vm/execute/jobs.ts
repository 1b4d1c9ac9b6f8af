// Job transactions, kinds 4..9 (docs/jobs.md §1; kinds 10..16 are in disputes.ts). Each handler runs every check first and returns
// the writes as a closure, so a rejected transaction leaves the overlay untouched (executeTx applies
// the closure only after the sender's debit is known to be valid).


import { VmError } from '../errors.ts';
import { jobSpec, jobSteps, sameParamShapes } from '../jobs/terms.ts';
import { snapshotPool } from '../jobs/challenge.ts';
import { checkpointCount, checkpointLeaf, checkpointStep, requiredOpenings, requiredRanges } from '../../ml-runtime/commitment/index.ts';
import {
  EventKind, JobStatus, JOB_STATUS_NAMES,
  type ChainEvent, type Job, type JobPayload, type JobReveal, type JobStatusTag, type JobUpdate, type VerifiedTx,
} from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { leafHash, verifyMerkleProof, verifyMerkleRange, compareBytes, equalBytes } from '../../primitives/index.ts';
import { effect, hex, load, needDeadline, needStatus, proofFail, proveTraceRange, solverMove, type JobTxEffect } from './job-checks.ts';
import { checkDisputeTx } from './disputes.ts';
import { checkRevealLoss } from './loss-reveal.ts';
import { MOVE_OVERHEAD_BYTES } from './move-size.ts';

export type { JobTxEffect } from './job-checks.ts';


function submit(o: StateOverlay, vtx: VerifiedTx, p: Extract<JobPayload, { kind: 'job-submit' }>, height: bigint): JobTxEffect {
  const { terms } = p;
  // every member must be able to answer a dispute of its attestation in one transaction: the digest
  // preimage holds h0 and every hash after the start of each sampled segment (at most q·k of them)
  const { k } = jobSteps(terms);
  const preimage = (1 + terms.q * k) * 33 + MOVE_OVERHEAD_BYTES;
  if (preimage > o.base.params.maxTxBytes) {
    throw new VmError('JOB_INVALID', `terms: q ${terms.q} x checkpointInterval ${k} step hashes could not be answered in a dispute within maxTxBytes ${o.base.params.maxTxBytes} (needs ${preimage})`);
  }
  if (terms.parent) {
    const parent = o.job(terms.parent);
    if (!parent) throw new VmError('JOB_PARENT_INVALID', `parent job ${hex(terms.parent)} does not exist`);
    if (parent.status !== JobStatus.Finalized) throw new VmError('JOB_PARENT_INVALID', `parent job ${hex(terms.parent)} is ${JOB_STATUS_NAMES[parent.status]}, not finalized`);
    if (!sameParamShapes(jobSpec(parent.terms), jobSpec(terms))) {
      throw new VmError('JOB_PARENT_INVALID', `parent job ${hex(terms.parent)} trains parameters of other shapes`);
    }
  }
  const job: Job = {
    id: vtx.hash, submitter: vtx.sender, terms, status: JobStatus.Open, submitHeight: height, deadline: height + BigInt(terms.windows.accept),
    solver: null, daPeer: '', daAddrs: [], acceptHeight: 0n, seed: null, commitment: null, challengeHeight: 0n,
    segments: [], pool: [], seats: [], committee: [], draws: 0, silent: [], openings: [], attestations: [], reveals: [], outcome: '', endHeight: 0n,
    verdict: '', windowEnd: 0n, divergedAt: 0, disputes: [], demands: [],
  };
  const events: ChainEvent[] = [{ kind: EventKind.JobEscrow, address: vtx.sender, counterparty: null, amount: terms.bounty + terms.attestReward }];
  return {
    events,
    write: () => {
      o.setJob(job);
      o.setActiveJobs([...o.activeJobs, job.id].sort(compareBytes));
    },
    update: { jobId: job.id, status: job.status, outcome: '' },
  };
}

function accept(o: StateOverlay, sender: Uint8Array, p: Extract<JobPayload, { kind: 'job-accept' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  needStatus(job, JobStatus.Open);
  needDeadline(job, height);
  if (equalBytes(job.submitter, sender)) throw new VmError('JOB_SELF_ACCEPT', `the submitter of job ${hex(job.id)} cannot solve it`);
  const stake = job.terms.solverStake;
  const events: ChainEvent[] = stake > 0n ? [{ kind: EventKind.JobBond, address: sender, counterparty: null, amount: stake }] : [];
  return effect(o, job, { ...job, status: JobStatus.Accepted, solver: sender, daPeer: p.daPeer, daAddrs: [...p.daAddrs], acceptHeight: height }, events);
}

function commit(o: StateOverlay, sender: Uint8Array, p: Extract<JobPayload, { kind: 'trace-commit' }>, height: bigint): JobTxEffect {
  const job = solverMove(o, sender, p.jobId, JobStatus.Training, height);
  const challengeHeight = height + BigInt(job.terms.windows.challengeDelay);
  // the committee's pool is fixed now, before the beacon that draws from it (beacon_{challengeHeight-1}) exists
  const pool = snapshotPool(o.validatorList(), job.solver);
  return effect(o, job, {
    ...job, status: JobStatus.Committed, challengeHeight, deadline: challengeHeight, pool,
    commitment: {
      traceRoot: p.traceRoot, checkpointsRoot: p.checkpointsRoot, finalChunkRoot: p.finalChunkRoot, finalStepHash: p.finalStepHash, height,
      ...(p.lossRoot ? { lossRoot: p.lossRoot } : {}),
    },
  });
}

function open(o: StateOverlay, sender: Uint8Array, p: Extract<JobPayload, { kind: 'job-open' }>, height: bigint): JobTxEffect {
  const job = solverMove(o, sender, p.jobId, JobStatus.Challenged, height);
  const c = job.commitment!, { T, k } = jobSteps(job.terms);
  const want = requiredOpenings(T, k, job.segments);
  const got = p.openings.map((x) => x.index);
  if (got.length !== want.length || got.some((i, n) => i !== want[n])) proofFail(`openings must be checkpoints [${want.join(', ')}] in this order, got [${got.join(', ')}]`);
  const count = checkpointCount(T, k);
  for (const x of p.openings) {
    const leaf = leafHash(checkpointLeaf(checkpointStep(x.index, T, k), x.chunkRoot, x.stepHash));
    if (!verifyMerkleProof(leaf, { index: x.index, count, siblings: x.siblings }, c.checkpointsRoot)) proofFail(`checkpoint ${x.index} is not proven under checkpointsRoot`);
  }
  const last = p.openings[p.openings.length - 1]!;
  if (!equalBytes(last.chunkRoot, c.finalChunkRoot) || !equalBytes(last.stepHash, c.finalStepHash)) {
    proofFail(`the last checkpoint (${last.index}) does not match the committed final chunk root and step hash`);
  }
  const openings = p.openings.map((x) => ({ index: x.index, chunkRoot: x.chunkRoot, stepHash: x.stepHash }));
  return effect(o, job, { ...job, status: JobStatus.Attesting, openings, deadline: height + BigInt(job.terms.windows.attest) });
}

function attest(o: StateOverlay, sender: Uint8Array, p: Extract<JobPayload, { kind: 'job-attest' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  if (!job.committee.some((m) => equalBytes(m.address, sender))) throw new VmError('JOB_NOT_COMMITTEE', `the sender is not on job ${hex(job.id)}'s committee`);
  needStatus(job, JobStatus.Attesting);
  needDeadline(job, height);
  if (job.attestations.some((a) => equalBytes(a.address, sender))) throw new VmError('JOB_ALREADY_ATTESTED', `the sender already attested job ${hex(job.id)}`);
  const attestations = [...job.attestations, { address: sender, digest: p.digest, height }].sort((a, b) => compareBytes(a.address, b.address));
  return effect(o, job, { ...job, attestations });
}

function reveal(o: StateOverlay, sender: Uint8Array, p: Extract<JobPayload, { kind: 'job-reveal' }>, height: bigint): JobTxEffect {
  const job = solverMove(o, sender, p.jobId, JobStatus.Revealing, height);
  const { T, k } = jobSteps(job.terms);
  const required = requiredRanges(T, k, job.segments);
  const added: JobReveal[] = [];
  for (const [n, item] of p.items.entries()) {
    const at = `item ${n} (from ${item.from})`;
    const range = required.find((r) => r.from === item.from);
    if (!range) throw new VmError('JOB_REVEAL_INVALID', `${at}: not the start of a required range (${required.map((r) => `[${r.from}, ${r.to}]`).join(', ')})`);
    if (job.reveals.some((r) => r.from === item.from) || added.some((r) => r.from === item.from)) {
      throw new VmError('JOB_REVEAL_INVALID', `${at}: already revealed`);
    }
    const len = range.to - range.from + 1;
    if (item.hashes.length !== len) throw new VmError('JOB_REVEAL_INVALID', `${at}: range [${range.from}, ${range.to}] needs ${len} hashes, got ${item.hashes.length}`);
    proveTraceRange(job, T, k, item.from, item.hashes, item.siblings, at);
    const losses = checkRevealLoss(job, T, k, item, at);
    added.push(losses ? { from: item.from, hashes: [...item.hashes], losses } : { from: item.from, hashes: [...item.hashes] });
  }
  const reveals = [...job.reveals, ...added].sort((a, b) => a.from - b.from);
  return effect(o, job, { ...job, reveals });
}

/** Checks a job transaction against the overlay and returns its effect (nothing is written yet). */
export function checkJobTx(o: StateOverlay, vtx: VerifiedTx, p: JobPayload, height: bigint): JobTxEffect {
  switch (p.kind) {
    case 'job-submit': return submit(o, vtx, p, height);
    case 'job-accept': return accept(o, vtx.sender, p, height);
    case 'trace-commit': return commit(o, vtx.sender, p, height);
    case 'job-open': return open(o, vtx.sender, p, height);
    case 'job-attest': return attest(o, vtx.sender, p, height);
    case 'job-reveal': return reveal(o, vtx.sender, p, height);
    default: return checkDisputeTx(o, vtx, p, height);
  }
}
