// Dispute and availability transactions, kinds 10..16 (docs/disputes.md §3). Like every job
// transaction, each handler checks everything first and returns its writes as a closure. Decisions
// that end a job (the referee, missed deadlines) happen in the end-of-block tick (jobs/dispute-tick.ts);
// a transaction can only settle a dispute whose answer needs no referee (equal hashes, wrong segment).
import { VmError } from '../errors.ts';
import {
  CHUNK_SIZE, checkpointCount, checkpointLeaf, checkpointStep, chunkBytes, encodedStateStep, parseSpec, segmentCount, stepHashOfEncoding, verifyChunk, verifySample,
} from '../../ml-runtime/commitment/index.ts';
import {
  DisputeKind, DisputeStage, DisputeWinner, EventKind, JOB_LIMITS, JobStatus, JOB_STATUS_NAMES, NON_FINITE_CLAIM,
  type ChainEvent, type DaDemand, type Dispute, type DisputePayload, type Job, type JobOpening, type VerifiedTx,
} from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { attestationDigest, UNAVAILABLE_DIGEST } from '../jobs/digest.ts';
import { traceSteps } from '../jobs/terms.ts';
import { memberSegments } from '../jobs/assignment.ts';
import {
  batchNeeded, DEMANDABLE, expectedDigest, hasLossRoot, isOpen, locateAttestation, locateSegment, provenWrong, segmentRange, splitPreimage, stateShape, ZERO_HASH,
  type Located,
} from '../jobs/dispute-rules.ts';
import { concatBytes, equalBytes, leafHash, merkleRoot, verifyMerkleProof } from '../../primitives/index.ts';
import { MOVE_OVERHEAD_BYTES } from './move-size.ts';
import { checkRespondLoss } from './loss-reveal.ts';
import { effect, hex, load, needSolver, needStatus, proofFail, proveTraceRange, solverMove, type JobTxEffect } from './job-checks.ts';

const utf8 = new TextDecoder();
const fail = (code: ConstructorParameters<typeof VmError>[0], msg: string): never => { throw new VmError(code, msg); };

/** A fresh dispute record. */
function newDispute(p: Pick<Dispute, 'kind' | 'by' | 'member' | 'segment' | 'bond' | 'openHeight' | 'stage' | 'deadline' | 'claim'>): Dispute {
  return {
    ...p, answer: [], step: 0, agreed: ZERO_HASH, solverNext: ZERO_HASH, otherNext: ZERO_HASH, supplies: [], samples: [],
    winner: DisputeWinner.None, reason: '', refereeHash: new Uint8Array(0), endHeight: 0n,
  };
}

/**
 * Applies where a disagreement lies: the referee stage for a step, or the decision when none is
 * needed. A decision here always goes to the solver side of a Solver-kind dispute (the challenger's
 * bond is paid to the solver) or to the member of an Attestation-kind one (the disputer's bond is
 * paid to the member); the job itself continues.
 */
function applyLocated(job: Job, d: Dispute, at: Located, height: bigint, events: ChainEvent[]): Dispute {
  if (at.kind === 'step') {
    return { ...d, stage: DisputeStage.Referee, deadline: height + BigInt(job.terms.dispute.move), step: at.step, agreed: at.agreed, solverNext: at.solverNext, otherNext: at.otherNext };
  }
  const to = at.winner === DisputeWinner.Solver ? job.solver! : d.member!;
  if (d.bond > 0n) events.push({ kind: EventKind.DisputeAward, address: to, counterparty: d.by, amount: d.bond });
  return { ...d, stage: DisputeStage.Resolved, winner: at.winner, reason: at.reason, endHeight: height };
}

function needWindow(job: Job, height: bigint): void {
  needStatus(job, JobStatus.Provisional);
  if (height > job.windowEnd) fail('JOB_DEADLINE_PASSED', `job ${hex(job.id)}'s dispute window closed at height ${job.windowEnd}`);
}

function open(o: StateOverlay, vtx: VerifiedTx, p: Extract<DisputePayload, { kind: 'dispute-open' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  needWindow(job, height);
  const sender = vtx.sender;
  if (job.disputes.length >= JOB_LIMITS.maxDisputes) fail('DISPUTE_LIMIT', `job ${hex(job.id)} already had ${JOB_LIMITS.maxDisputes} disputes`);
  if (job.disputes.filter(isOpen).length >= JOB_LIMITS.maxOpenDisputes) fail('DISPUTE_LIMIT', `job ${hex(job.id)} has ${JOB_LIMITS.maxOpenDisputes} open disputes; wait for one to resolve`);
  const bond = job.terms.dispute.bond;
  const events: ChainEvent[] = [{ kind: EventKind.DisputeBond, address: sender, counterparty: job.solver, amount: bond }];
  let d: Dispute;
  if (p.target === 'solver') {
    if (equalBytes(sender, job.solver!)) fail('DISPUTE_INVALID', 'the solver cannot dispute its own trace');
    if (p.member) fail('DISPUTE_INVALID', 'a dispute against the solver names no member');
    const { T, k } = traceSteps(job);
    const n = segmentCount(T, k);
    if (p.segment >= n) fail('DISPUTE_INVALID', `segment ${p.segment} is outside 0..${n - 1}`);
    const r = segmentRange(job, p.segment);
    const len = r.to - r.from + 1;
    if (p.hashes.length !== len) fail('DISPUTE_INVALID', `segment ${p.segment} covers h_${r.from}..h_${r.to}: ${len} hashes, got ${p.hashes.length}`);
    d = newDispute({
      kind: DisputeKind.Solver, by: sender, member: null, segment: p.segment, bond, openHeight: height,
      stage: DisputeStage.Respond, deadline: height + BigInt(job.terms.dispute.move), claim: [...p.hashes],
    });
    // a sampled segment is already on chain (with its loss leaf when the job has a loss root): the
    // disagreement is located at once
    const known = job.reveals.find((x) => x.from === r.from && x.hashes.length === len);
    if (known) d = applyLocated(job, { ...d, answer: known.hashes }, locateSegment(r.from, d.claim, known.hashes, hasLossRoot(job) ? known.losses : undefined), height, events);
  } else {
    const member = p.member ?? fail('DISPUTE_INVALID', 'a dispute against an attestation must name the member');
    if (p.segment !== 0 || p.hashes.length) fail('DISPUTE_INVALID', 'a dispute against an attestation carries no segment and no hashes');
    if (equalBytes(sender, member)) fail('DISPUTE_INVALID', 'a member cannot dispute its own attestation');
    const a = job.attestations.find((x) => equalBytes(x.address, member)) ?? fail('DISPUTE_INVALID', `member ${hex(member)} did not attest job ${hex(job.id)}`);
    if (equalBytes(a.digest, UNAVAILABLE_DIGEST)) fail('DISPUTE_NOTHING_TO_DISPUTE', `member ${hex(member)} attested UNAVAILABLE, which claims no hashes`);
    const want = expectedDigest(job, member);
    if (want && equalBytes(want, a.digest)) fail('DISPUTE_NOTHING_TO_DISPUTE', `member ${hex(member)}'s digest agrees with the solver's revealed trace`);
    if (provenWrong(job).some((m) => equalBytes(m, member)) || job.disputes.some((x) => isOpen(x) && x.member && equalBytes(x.member, member))) {
      fail('DISPUTE_DUPLICATE', `member ${hex(member)}'s attestation is already disputed`);
    }
    d = newDispute({
      kind: DisputeKind.Attestation, by: sender, member, segment: 0, bond, openHeight: height,
      stage: DisputeStage.Respond, deadline: height + BigInt(job.terms.dispute.move), claim: [],
    });
  }
  return effect(o, job, { ...job, disputes: [...job.disputes, d] }, events);
}

function disputeAt(job: Job, i: number): Dispute {
  return job.disputes[i] ?? fail('DISPUTE_NOT_FOUND', `job ${hex(job.id)} has no dispute ${i} (it has ${job.disputes.length})`);
}

function needStage(d: Dispute, i: number, stage: Dispute['stage'], height: bigint): void {
  if (d.stage !== stage) fail('DISPUTE_WRONG_STAGE', `dispute ${i} is in stage ${d.stage}; this move needs stage ${stage}`);
  if (height > d.deadline) fail('JOB_DEADLINE_PASSED', `dispute ${i}'s move ended at height ${d.deadline}`);
}

const withDispute = (job: Job, i: number, d: Dispute): Job => ({ ...job, disputes: job.disputes.map((x, n) => (n === i ? d : x)) });

function respond(o: StateOverlay, sender: Uint8Array, p: Extract<DisputePayload, { kind: 'dispute-respond' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  needStatus(job, JobStatus.Provisional);
  const d = disputeAt(job, p.dispute);
  needStage(d, p.dispute, DisputeStage.Respond, height);
  const events: ChainEvent[] = [];
  let next: Dispute;
  if (d.kind === DisputeKind.Solver) {
    needSolver(job, sender);
    const { T, k } = traceSteps(job);
    const r = segmentRange(job, d.segment);
    const len = r.to - r.from + 1;
    if (p.hashes.length !== len) fail('DISPUTE_INVALID', `segment ${d.segment} needs ${len} hashes, got ${p.hashes.length}`);
    proveTraceRange(job, T, k, r.from, p.hashes, p.siblings, `dispute ${p.dispute}`);
    const leaf = checkRespondLoss(job, T, k, d.segment, p, `dispute ${p.dispute}`);
    next = applyLocated(job, { ...d, answer: [...p.hashes] }, locateSegment(r.from, d.claim, p.hashes, leaf), height, events);
  } else {
    if (p.losses?.length || p.lossSiblings?.length) fail('DISPUTE_INVALID', 'a member answers with its digest preimage only, no loss leaf');
    if (!equalBytes(sender, d.member!)) fail('DISPUTE_NOT_PARTY', `only member ${hex(d.member!)} answers dispute ${p.dispute}`);
    if (p.siblings.length) fail('DISPUTE_PREIMAGE_INVALID', 'a member answers with its digest preimage only, no proof');
    const segs = memberSegments(job, d.member!);
    const pre = splitPreimage(job, d.member!, p.hashes) ?? fail('DISPUTE_PREIMAGE_INVALID', `the preimage of a digest over the member's segments [${segs.join(', ')}] has a different number of hashes than ${p.hashes.length}`);
    const a = job.attestations.find((x) => equalBytes(x.address, d.member!))!;
    if (!equalBytes(attestationDigest(job.id, d.member!, pre.h0, pre.segments), a.digest)) fail('DISPUTE_PREIMAGE_INVALID', 'these hashes do not give the attested digest');
    next = applyLocated(job, { ...d, claim: [...p.hashes] }, locateAttestation(job, d.member!, pre.h0, pre.segments), height, events);
  }
  return effect(o, job, withDispute(job, p.dispute, next), events);
}

/** The state a supply for dispute `d` must be: its exact length and the step hash it must give. */
function supplyTarget(o: StateOverlay, job: Job, d: Dispute): { bytes: number; step: number; ownerId: Uint8Array; hash: Uint8Array } {
  if (d.step >= 0) return { bytes: stateShape(job).bytes, step: d.step, ownerId: job.id, hash: d.agreed };
  const parent = job.terms.parent ? o.job(job.terms.parent) : undefined;
  if (!parent) fail('DISPUTE_SUPPLY_INVALID', 'the derived initial state of a job without parent needs no state on chain');
  return { bytes: stateShape(parent!).bytes, step: traceSteps(parent!).T, ownerId: parent!.id, hash: parent!.commitment!.finalStepHash };
}

/** The opening of the checkpoint at the disputed step (trace disputes only), or undefined. */
function openedAt(job: Job, d: Dispute): JobOpening | undefined {
  if (d.kind === DisputeKind.Divergence || d.step < 0) return undefined;
  const { T, k } = traceSteps(job);
  return job.openings.find((x) => checkpointStep(x.index, T, k) === d.step);
}

/** Parties who may put state on chain for a dispute: the solver, the disputer and the disputed member. */
function isParty(job: Job, d: Dispute, a: Uint8Array): boolean {
  return equalBytes(a, job.solver!) || equalBytes(a, d.by) || (d.member !== null && equalBytes(a, d.member));
}

function supply(o: StateOverlay, sender: Uint8Array, p: Extract<DisputePayload, { kind: 'state-supply' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  if (job.status !== JobStatus.Provisional && job.status !== JobStatus.Diverging) {
    fail('JOB_WRONG_STATUS', `job ${hex(job.id)} is ${JOB_STATUS_NAMES[job.status]}; state goes on chain only while a dispute runs`);
  }
  const d = disputeAt(job, p.dispute);
  needStage(d, p.dispute, DisputeStage.Referee, height);
  if (!isParty(job, d, sender)) fail('DISPUTE_NOT_PARTY', `the sender is not a party to dispute ${p.dispute}`);
  const want = supplyTarget(o, job, d);
  if (p.total !== want.bytes) fail('DISPUTE_SUPPLY_INVALID', `the state of this job is exactly ${want.bytes} bytes, not ${p.total}`);
  const mine = d.supplies.find((x) => equalBytes(x.party, sender));
  const have = mine ? mine.bytes.length : 0;
  if (mine && have === mine.total) fail('DISPUTE_SUPPLY_INVALID', 'your state for this dispute is already complete');
  // offset 0 starts over (a party that sent a wrong piece can recover); otherwise pieces append in order
  if (p.offset !== 0 && p.offset !== have) fail('DISPUTE_SUPPLY_INVALID', `the next piece starts at offset ${have} (or 0 to start over), not ${p.offset}`);
  if (p.bytes.length === 0 || p.offset + p.bytes.length > p.total) fail('DISPUTE_SUPPLY_INVALID', `a piece of ${p.bytes.length} bytes at ${p.offset} does not fit ${p.total}`);
  const bytes = p.offset === 0 ? p.bytes : concatBytes(mine!.bytes, p.bytes);
  if (bytes.length === p.total) {
    if (encodedStateStep(bytes) !== want.step) fail('DISPUTE_SUPPLY_INVALID', `the state's header must carry step ${want.step}`);
    if (!equalBytes(stepHashOfEncoding(want.ownerId, want.step, bytes), want.hash)) fail('DISPUTE_SUPPLY_INVALID', `the state does not hash to the agreed h_${want.step}`);
    // an opened checkpoint is the state its chunks hold: a solver that opened chunks of another
    // state (which members could only fetch as garbage) cannot hand the referee a different one
    const opened = openedAt(job, d);
    if (opened && !equalBytes(merkleRoot(chunkBytes(bytes, CHUNK_SIZE)), opened.chunkRoot)) {
      fail('DISPUTE_SUPPLY_INVALID', `state_${want.step} is opened checkpoint ${opened.index}: the state must be the one under its chunk root`);
    }
  }
  const supplies = [...d.supplies.filter((x) => !equalBytes(x.party, sender)), { party: sender, total: p.total, bytes }];
  return effect(o, job, withDispute(job, p.dispute, { ...d, supplies }));
}

function samples(o: StateOverlay, p: Extract<DisputePayload, { kind: 'sample-supply' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  if (job.status !== JobStatus.Provisional && job.status !== JobStatus.Diverging) fail('JOB_WRONG_STATUS', `job ${hex(job.id)} is ${JOB_STATUS_NAMES[job.status]}`);
  const d = disputeAt(job, p.dispute);
  needStage(d, p.dispute, DisputeStage.Referee, height);
  if (d.step < 0) fail('DISPUTE_SAMPLE_INVALID', 'the initial state is derived without samples');
  const needed = new Set(batchNeeded(job, d.step));
  const have = new Set(d.samples.map((x) => x.index));
  const added: Dispute['samples'] = [];
  for (const [n, it] of p.items.entries()) {
    if (!needed.has(it.index)) fail('DISPUTE_SAMPLE_INVALID', `item ${n}: sample ${it.index} is not in step ${d.step}'s batch`);
    if (have.has(it.index)) fail('DISPUTE_SAMPLE_INVALID', `item ${n}: sample ${it.index} is already on chain`);
    if (!verifySample(it.bytes, { index: it.index, count: job.terms.datasetSize, siblings: it.siblings }, job.terms.datasetRoot)) {
      proofFail(`item ${n}: sample ${it.index} is not proven under the dataset root`);
    }
    have.add(it.index);
    added.push({ index: it.index, bytes: it.bytes });
  }
  const all = [...d.samples, ...added].sort((a, b) => a.index - b.index);
  return effect(o, job, withDispute(job, p.dispute, { ...d, samples: all }));
}

function demand(o: StateOverlay, sender: Uint8Array, p: Extract<DisputePayload, { kind: 'da-demand' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  if (!DEMANDABLE.includes(job.status)) fail('JOB_WRONG_STATUS', `job ${hex(job.id)} is ${JOB_STATUS_NAMES[job.status]}; chunks can be demanded while attesting, redrawing, revealing or in the dispute window`);
  if (job.status === JobStatus.Provisional && height > job.windowEnd) fail('JOB_DEADLINE_PASSED', `job ${hex(job.id)}'s dispute window closed at height ${job.windowEnd}`);
  if (equalBytes(sender, job.solver!)) fail('DEMAND_INVALID', 'the solver cannot demand its own chunks');
  const { T, k } = traceSteps(job);
  const cps = checkpointCount(T, k);
  const { chunks } = stateShape(job);
  if (p.checkpoint >= cps) fail('DEMAND_INVALID', `checkpoint ${p.checkpoint} is outside 0..${cps - 1}`);
  if (p.chunk >= chunks) fail('DEMAND_INVALID', `a checkpoint of this job has ${chunks} chunks; ${p.chunk} is outside 0..${chunks - 1}`);
  // a chunk the solver could not post within the chain's transaction size would slash it for nothing
  const chunkBytes = Math.min(CHUNK_SIZE, stateShape(job).bytes - p.chunk * CHUNK_SIZE);
  if (chunkBytes + MOVE_OVERHEAD_BYTES > o.base.params.maxTxBytes) {
    fail('DEMAND_INVALID', `chunk ${p.chunk} (${chunkBytes} bytes) cannot be posted within maxTxBytes ${o.base.params.maxTxBytes}; fetch it over DA`);
  }
  const same = job.demands.filter((x) => x.checkpoint === p.checkpoint && x.chunk === p.chunk);
  const answered = same.find((x) => x.answer.length);
  if (answered) fail('DEMAND_INVALID', `chunk ${p.chunk} of checkpoint ${p.checkpoint} is already on chain (transaction ${hex(answered.answer)})`);
  if (same.some((x) => equalBytes(x.by, sender))) fail('DEMAND_INVALID', `the sender already demands chunk ${p.chunk} of checkpoint ${p.checkpoint}`);
  if (job.demands.length >= JOB_LIMITS.maxDemands) fail('DEMAND_LIMIT', `job ${hex(job.id)} already had ${JOB_LIMITS.maxDemands} demands`);
  if (job.demands.filter((x) => !x.answer.length).length >= JOB_LIMITS.maxOpenDemands) fail('DEMAND_LIMIT', `job ${hex(job.id)} has ${JOB_LIMITS.maxOpenDemands} open demands`);
  const fee = job.terms.dispute.demandFee;
  const d: DaDemand = { by: sender, checkpoint: p.checkpoint, chunk: p.chunk, fee, height, deadline: height + BigInt(job.terms.dispute.move), answer: new Uint8Array(0) };
  return effect(o, job, { ...job, demands: [...job.demands, d] }, [{ kind: EventKind.DisputeBond, address: sender, counterparty: job.solver, amount: fee }]);
}

function chunk(o: StateOverlay, vtx: VerifiedTx, p: Extract<DisputePayload, { kind: 'da-chunk' }>, height: bigint): JobTxEffect {
  const job = load(o, p.jobId);
  needSolver(job, vtx.sender);
  if (!DEMANDABLE.includes(job.status)) fail('JOB_WRONG_STATUS', `job ${hex(job.id)} is ${JOB_STATUS_NAMES[job.status]}`);
  const open = job.demands.filter((x) => !x.answer.length && x.checkpoint === p.checkpoint && x.chunk === p.chunk && height <= x.deadline);
  if (!open.length) fail('DEMAND_NOT_OPEN', `nobody demands chunk ${p.chunk} of checkpoint ${p.checkpoint} of job ${hex(job.id)}`);
  const { T, k } = traceSteps(job);
  const leaf = leafHash(checkpointLeaf(checkpointStep(p.checkpoint, T, k), p.chunkRoot, p.stepHash));
  if (!verifyMerkleProof(leaf, { index: p.checkpoint, count: checkpointCount(T, k), siblings: p.checkpointSiblings }, job.commitment!.checkpointsRoot)) {
    proofFail(`checkpoint ${p.checkpoint} is not proven under checkpointsRoot`);
  }
  if (!verifyChunk(p.bytes, { index: p.chunk, count: stateShape(job).chunks, siblings: p.chunkSiblings }, p.chunkRoot)) {
    proofFail(`chunk ${p.chunk} is not proven under checkpoint ${p.checkpoint}'s chunk root`);
  }
  const events: ChainEvent[] = open.map((x) => ({ kind: EventKind.DisputeAward, address: job.solver!, counterparty: x.by, amount: x.fee }));
  const demands = job.demands.map((x) => (open.includes(x) ? { ...x, answer: vtx.hash } : x));
  return effect(o, job, { ...job, demands }, events.filter((e) => e.amount > 0n));
}

function diverge(o: StateOverlay, sender: Uint8Array, p: Extract<DisputePayload, { kind: 'job-diverge' }>, height: bigint): JobTxEffect {
  const job = solverMove(o, sender, p.jobId, JobStatus.Training, height);
  const T = parseSpec(utf8.decode(job.terms.spec)).steps;
  if (p.step < 1 || p.step >= T) fail('DISPUTE_INVALID', `a run diverges at a step in 1..${T - 1}, not ${p.step}`);
  const d: Dispute = {
    ...newDispute({
      kind: DisputeKind.Divergence, by: sender, member: null, segment: 0, bond: 0n, openHeight: height,
      stage: DisputeStage.Referee, deadline: height + BigInt(job.terms.dispute.move), claim: [],
    }),
    step: p.step, agreed: p.finalStepHash, solverNext: NON_FINITE_CLAIM,
  };
  return effect(o, job, {
    ...job, status: JobStatus.Diverging, divergedAt: p.step, disputes: [d],
    commitment: { traceRoot: p.traceRoot, checkpointsRoot: p.checkpointsRoot, finalChunkRoot: p.finalChunkRoot, finalStepHash: p.finalStepHash, height },
  });
}

/** Checks a dispute or availability transaction against the overlay and returns its effect. */
export function checkDisputeTx(o: StateOverlay, vtx: VerifiedTx, p: DisputePayload, height: bigint): JobTxEffect {
  switch (p.kind) {
    case 'dispute-open': return open(o, vtx, p, height);
    case 'dispute-respond': return respond(o, vtx.sender, p, height);
    case 'state-supply': return supply(o, vtx.sender, p, height);
    case 'sample-supply': return samples(o, p, height);
    case 'da-demand': return demand(o, vtx.sender, p, height);
    case 'da-chunk': return chunk(o, vtx, p, height);
    case 'job-diverge': return diverge(o, vtx.sender, p, height);
  }
}
