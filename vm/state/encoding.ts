import {
  encode, decodeCanonical, Reader, expectBytes, expectString, expectU32, jobTermsFields, readJobTerms, JOB_TERMS_FIELDS, type Encodable,
} from '../codec/index.ts';

import { VmError } from '../errors.ts';
import {
  JOB_FLOORS, JOB_LIMITS, JOB_STATUS_NAMES, JobOutcome, DISPUTE_KIND_NAMES, DISPUTE_STAGE_NAMES,
  type Dispute, type DisputeKindTag, type DisputeStageTag, type DisputeWinnerTag, type Account, type ChainParams, type Job, type JobCommitment, type JobStatusTag, type UnbondingEntry, type Validator,
} from '../types/index.ts';
import { compareBytes, sha256 } from '../../primitives/index.ts';

/**
 * State entries live in one sparse Merkle tree under domain-separated keys, so the state root
 * commits to accounts, validators, the unbonding queue and the chain parameters at once.
 */
const NS_ACCOUNT = Uint8Array.of(1);
const NS_VALIDATOR = Uint8Array.of(2);
export const UNBONDING_TREE_KEY = sha256(Uint8Array.of(3));
export const PARAMS_TREE_KEY = sha256(Uint8Array.of(4));
export const BEACON_TREE_KEY = sha256(Uint8Array.of(5));

export const accountTreeKey = (address: Uint8Array): Uint8Array => sha256(NS_ACCOUNT, address);
export const validatorTreeKey = (address: Uint8Array): Uint8Array => sha256(NS_VALIDATOR, address);

export const encodeAccount = (a: Account): Uint8Array => encode([a.balance, a.nonce]);
export function decodeAccount(b: Uint8Array): Account {
  const r = Reader.of(decodeCanonical(b, 'account'), 'account', 2, 'CODEC_MALFORMED');
  return { balance: r.u64('balance'), nonce: r.u64('nonce') };
}

/** validator = [address(20), consensusKey(32), blsKey(48), stake, jailed(0 | 1)] */
export const encodeValidator = (v: Validator): Uint8Array => encode([v.address, v.consensusKey, v.blsKey, v.stake, v.jailed ? 1 : 0]);
export function decodeValidator(b: Uint8Array): Validator {
  const r = Reader.of(decodeCanonical(b, 'validator'), 'validator', 5, 'CODEC_MALFORMED');
  const v: Validator = { address: r.bytes('address', 20), consensusKey: r.bytes('consensusKey', 32), blsKey: r.bytes('blsKey', 48), stake: r.u64('stake') };
  const jailed = r.u32('jailed');
  if (jailed > 1) throw new VmError('CODEC_MALFORMED', 'validator.jailed: expected 0 or 1');
  if (jailed === 1) v.jailed = true;
  return v;
}

/** The beacon entry's value is the canonical encoding of the 32-byte beacon (a msgpack bin). */
export const encodeBeacon = (beacon: Uint8Array): Uint8Array => encode(beacon);
export function decodeBeacon(b: Uint8Array): Uint8Array {
  const v = decodeCanonical(b, 'beacon');
  if (!(v instanceof Uint8Array) || v.length !== 32) throw new VmError('CODEC_MALFORMED', 'beacon: expected 32 bytes');
  return v;
}

export const encodeUnbonding = (q: UnbondingEntry[]): Uint8Array => encode(q.map((e) => [e.address, e.amount, e.completionHeight]));
export function decodeUnbonding(b: Uint8Array): UnbondingEntry[] {
  const v = decodeCanonical(b, 'unbonding queue');
  if (!Array.isArray(v)) throw new Error('unbonding queue: expected an array');
  return v.map((e) => {
    const r = Reader.of(e, 'unbonding entry', 3, 'CODEC_MALFORMED');
    return { address: r.bytes('address', 20), amount: r.u64('amount'), completionHeight: r.u64('completionHeight') };
  });
}

export const encodeParams = (chainId: string, p: ChainParams): Uint8Array =>
  encode([chainId, p.unbondingPeriod, p.minFee, p.minStake, p.maxTxBytes, p.maxBlockTxs, p.maxBlockBytes, p.slashFractionBps]);
export function decodeParams(b: Uint8Array): { chainId: string; params: ChainParams } {
  const r = Reader.of(decodeCanonical(b, 'params'), 'params', 8, 'CODEC_MALFORMED');
  const chainId = r.str('chainId', 64);
  return {
    chainId,
    params: { unbondingPeriod: r.u64('unbondingPeriod'), minFee: r.u64('minFee'), minStake: r.u64('minStake'), maxTxBytes: r.u32('maxTxBytes'), maxBlockTxs: r.u32('maxBlockTxs'), maxBlockBytes: r.u32('maxBlockBytes'), slashFractionBps: r.u32('slashFractionBps') },
  };
}

const NS_JOB = Uint8Array.of(6);
export const JOB_INDEX_TREE_KEY = sha256(Uint8Array.of(7));
export const jobTreeKey = (id: Uint8Array): Uint8Array => sha256(NS_JOB, id);

const OUTCOMES: readonly string[] = ['', ...Object.values(JobOutcome)];

/**
 * job = [id(32), submitter(20), [terms...], status, submitHeight, deadline, solver(nil | 20), daPeer, [daAddr...],
 *        acceptHeight, seed(nil | 32), commitment(nil | [traceRoot, checkpointsRoot, finalChunkRoot, finalStepHash, height, (lossRoot)]),
 *        challengeHeight, [segment...], [[address, stake]...], [[index, chunkRoot, stepHash]...],
 *        [[address, digest, height]...], [[from, [h...], (lossLeaf)]...], outcome, endHeight,
 *        verdict, windowEnd, divergedAt, [dispute...], [demand...],
 *        [[address, stake]...] (pool), [address...] (seats), draws, [address...] (silent)]   (docs/jobs.md §6, docs/disputes.md §7)
 * (committee holds the current committee's distinct seat holders; pool, seats and silent were added in protocol v5;
 *  lossRoot and a reveal's lossLeaf are present only for a job whose TraceCommit carried a loss root, so
 *  jobs without one encode as before)
 */
export function encodeJob(j: Job): Uint8Array {
  const c = j.commitment;
  return encode([
    j.id, j.submitter, jobTermsFields(j.terms), j.status, j.submitHeight, j.deadline, j.solver, j.daPeer, j.daAddrs,
    j.acceptHeight, j.seed, c ? [c.traceRoot, c.checkpointsRoot, c.finalChunkRoot, c.finalStepHash, c.height, ...(c.lossRoot ? [c.lossRoot] : [])] : null,
    j.challengeHeight, j.segments, j.committee.map((m) => [m.address, m.stake]),
    j.openings.map((o) => [o.index, o.chunkRoot, o.stepHash]), j.attestations.map((a) => [a.address, a.digest, a.height]),
    j.reveals.map((r) => (r.losses ? [r.from, r.hashes, r.losses] : [r.from, r.hashes])), j.outcome, j.endHeight,
    j.verdict, j.windowEnd, j.divergedAt, j.disputes.map(disputeFields), j.demands.map((d) => [d.by, d.checkpoint, d.chunk, d.fee, d.height, d.deadline, d.answer]),
    j.pool.map((m) => [m.address, m.stake]), j.seats, j.draws, j.silent,
  ]);
}

/**
 * dispute = [kind, by(20), member(nil | 20), segment, bond, openHeight, stage, deadline, [claim h...], [answer h...],
 *            stepPlusOne, agreed(32), solverNext(32), otherNext(32), [[party(20), total, bytes]...], [[index, bytes]...],
 *            winner, reason, refereeHash(bin 0 | 32), endHeight]
 * (stepPlusOne = step + 1, so the initial-state dispute, step -1, stays an unsigned integer)
 */
function disputeFields(d: Dispute): Encodable[] {
  return [
    d.kind, d.by, d.member, d.segment, d.bond, d.openHeight, d.stage, d.deadline, d.claim, d.answer,
    d.step + 1, d.agreed, d.solverNext, d.otherNext, d.supplies.map((x) => [x.party, x.total, x.bytes]), d.samples.map((x) => [x.index, x.bytes]),
    d.winner, d.reason, d.refereeHash, d.endHeight,
  ];
}

const hashesOf = (r: Reader, field: string, max: number): Uint8Array[] => r.list(field, 0, max, (h, hp) => expectBytes(h, hp, 32, M));

function readDispute(v: unknown, path: string): Dispute {
  const r = Reader.of(v, path, 20, M);
  const kind = r.u32('kind');
  if (!(kind in DISPUTE_KIND_NAMES)) throw new VmError(M, `${path}.kind: unknown kind ${kind}`);
  const by = r.bytes('by', 20);
  const member = r.optBytes('member', 20);
  const segment = r.u32('segment');
  const bond = r.u64('bond');
  const openHeight = r.u64('openHeight');
  const stage = r.u32('stage');
  if (!(stage in DISPUTE_STAGE_NAMES)) throw new VmError(M, `${path}.stage: unknown stage ${stage}`);
  const deadline = r.u64('deadline');
  const claim = hashesOf(r, 'claim', 1 + JOB_LIMITS.maxQ * JOB_LIMITS.maxRevealHashes);
  const answer = hashesOf(r, 'answer', JOB_LIMITS.maxRevealHashes);
  const step = r.u32('stepPlusOne') - 1;
  const agreed = r.bytes('agreed', 32);
  const solverNext = r.bytes('solverNext', 32);
  const otherNext = r.bytes('otherNext', 32);
  const supplies = r.list('supplies', 0, 2, (x, p) => {
    const sr = Reader.of(x, p, 3, M);
    return { party: sr.bytes('party', 20), total: sr.u32('total'), bytes: sr.bin('bytes', JOB_LIMITS.maxStateBytes) };
  });
  const samples = r.list('samples', 0, 1 << 16, (x, p) => {
    const sr = Reader.of(x, p, 2, M);
    return { index: sr.u32('index'), bytes: sr.bin('bytes', JOB_LIMITS.maxSampleBytes) };
  });
  const winner = r.u32('winner');
  if (winner > 2) throw new VmError(M, `${path}.winner: unknown winner ${winner}`);
  const reason = r.str('reason', 32);
  const refereeHash = r.bin('refereeHash', 32);
  if (refereeHash.length !== 0 && refereeHash.length !== 32) throw new VmError(M, `${path}.refereeHash: expected 0 or 32 bytes`);
  return {
    kind: kind as DisputeKindTag, by, member, segment, bond, openHeight, stage: stage as DisputeStageTag, deadline, claim, answer, step, agreed,
    solverNext, otherNext, supplies, samples, winner: winner as DisputeWinnerTag, reason, refereeHash, endHeight: r.u64('endHeight'),
  };
}

const M = 'CODEC_MALFORMED';

function ascending(list: readonly Uint8Array[], path: string): void {
  for (let i = 1; i < list.length; i++) if (compareBytes(list[i - 1]!, list[i]!) >= 0) throw new VmError(M, `${path}: addresses must be strictly ascending`);
}

function distinctSorted(list: readonly Uint8Array[]): Uint8Array[] {
  const out = [...list].sort(compareBytes);
  return out.filter((a, i) => i === 0 || compareBytes(out[i - 1]!, a) !== 0);
}

export function decodeJob(b: Uint8Array): Job {
  const r = Reader.of(decodeCanonical(b, 'job'), 'job', 29, M);
  const id = r.bytes('id', 32);
  const submitter = r.bytes('submitter', 20);
  const tr = Reader.of(r.raw(), 'job.terms', JOB_TERMS_FIELDS, M);
  const terms = readJobTerms(tr, 'job.terms', M);
  const status = r.u32('status');
  if (!(status in JOB_STATUS_NAMES)) throw new VmError(M, `job.status: unknown status ${status}`);
  const submitHeight = r.u64('submitHeight');
  const deadline = r.u64('deadline');
  const solver = r.optBytes('solver', 20);
  const daPeer = r.str('daPeer', JOB_LIMITS.maxDaPeerLength);
  const daAddrs = r.list('daAddrs', 0, JOB_LIMITS.maxDaAddrs, (v, p) => expectString(v, p, JOB_LIMITS.maxDaAddrLength, M));
  const acceptHeight = r.u64('acceptHeight');
  const seed = r.optBytes('seed', 32);
  const cv = r.raw();
  let commitment: JobCommitment | null = null;
  if (cv !== null) {
    const withLoss = Array.isArray(cv) && cv.length === 6;
    const cr = Reader.of(cv, 'job.commitment', withLoss ? 6 : 5, M);
    commitment = {
      traceRoot: cr.bytes('traceRoot', 32), checkpointsRoot: cr.bytes('checkpointsRoot', 32), finalChunkRoot: cr.bytes('finalChunkRoot', 32),
      finalStepHash: cr.bytes('finalStepHash', 32), height: cr.u64('height'),
    };
    if (withLoss) commitment.lossRoot = cr.bytes('lossRoot', 32);
  }
  const challengeHeight = r.u64('challengeHeight');
  const segments = r.list('segments', 0, JOB_LIMITS.maxQ, (v, p) => expectU32(v, p, M));
  for (let i = 1; i < segments.length; i++) if (segments[i - 1]! >= segments[i]!) throw new VmError(M, 'job.segments: must be strictly ascending');
  const member = (v: unknown, p: string) => {
    const mr = Reader.of(v, p, 2, M);
    return { address: mr.bytes('address', 20), stake: mr.u64('stake') };
  };
  const committee = r.list('committee', 0, JOB_LIMITS.maxCommitteeSize, member);
  ascending(committee.map((m) => m.address), 'job.committee');
  const openings = r.list('openings', 0, JOB_LIMITS.maxOpenings, (v, p) => {
    const or = Reader.of(v, p, 3, M);
    return { index: or.u32('index'), chunkRoot: or.bytes('chunkRoot', 32), stepHash: or.bytes('stepHash', 32) };
  });
  const attestations = r.list('attestations', 0, JOB_LIMITS.maxCommitteeSize, (v, p) => {
    const ar = Reader.of(v, p, 3, M);
    return { address: ar.bytes('address', 20), digest: ar.bytes('digest', 32), height: ar.u64('height') };
  });
  const reveals = r.list('reveals', 0, JOB_LIMITS.maxRevealItems, (v, p) => {
    const withLoss = Array.isArray(v) && v.length === 3;
    const rr = Reader.of(v, p, withLoss ? 3 : 2, M);
    const from = rr.u32('from');
    const hashes = rr.list('hashes', 1, JOB_LIMITS.maxRevealHashes, (h, hp) => expectBytes(h, hp, 32, M));
    return withLoss ? { from, hashes, losses: rr.bin('losses', JOB_LIMITS.maxInterval * 4) } : { from, hashes };
  });
  const outcome = r.str('outcome', 16);
  if (!OUTCOMES.includes(outcome)) throw new VmError(M, `job.outcome: unknown outcome "${outcome}"`);
  const endHeight = r.u64('endHeight');
  const verdict = r.str('verdict', 16);
  if (!OUTCOMES.includes(verdict)) throw new VmError(M, `job.verdict: unknown verdict "${verdict}"`);
  const windowEnd = r.u64('windowEnd');
  const divergedAt = r.u32('divergedAt');
  const disputes = r.list('disputes', 0, JOB_LIMITS.maxDisputes, (v, p) => readDispute(v, p));
  const demands = r.list('demands', 0, JOB_LIMITS.maxDemands, (v, p) => {
    const dr = Reader.of(v, p, 7, M);
    const d = { by: dr.bytes('by', 20), checkpoint: dr.u32('checkpoint'), chunk: dr.u32('chunk'), fee: dr.u64('fee'), height: dr.u64('height'), deadline: dr.u64('deadline'), answer: dr.bin('answer', 32) };
    if (d.answer.length !== 0 && d.answer.length !== 32) throw new VmError(M, `${p}.answer: expected 0 or 32 bytes`);
    return d;
  });
  const pool = r.list('pool', 0, JOB_LIMITS.maxPool, member);
  ascending(pool.map((m) => m.address), 'job.pool');
  if (pool.some((m) => m.stake === 0n)) throw new VmError(M, 'job.pool: a member has zero stake');
  const seats = r.list('seats', 0, JOB_LIMITS.maxCommitteeSize, (v, p) => expectBytes(v, p, 20, M));
  const draws = r.u32('draws');
  if (draws > JOB_FLOORS.maxCommittees) throw new VmError(M, `job.draws: ${draws} is above ${JOB_FLOORS.maxCommittees}`);
  const silent = r.list('silent', 0, JOB_LIMITS.maxPool, (v, p) => expectBytes(v, p, 20, M));
  ascending(silent, 'job.silent');
  // the committee is exactly the distinct seat holders, and they come from the pool
  const holders = distinctSorted(seats);
  if (holders.length !== committee.length || holders.some((a, i) => compareBytes(a, committee[i]!.address) !== 0)) {
    throw new VmError(M, 'job.committee: not the distinct holders of job.seats');
  }
  if (committee.some((m) => !pool.some((x) => compareBytes(x.address, m.address) === 0 && x.stake === m.stake))) {
    throw new VmError(M, 'job.committee: a member is not in job.pool with that stake');
  }
  return {
    id, submitter, terms, status: status as JobStatusTag, submitHeight, deadline, solver, daPeer, daAddrs, acceptHeight, seed, commitment,
    challengeHeight, segments, pool, seats, committee, draws, silent, openings, attestations, reveals, outcome, endHeight, verdict, windowEnd, divergedAt, disputes, demands,
  };
}

/** The active index: the ids of running jobs, ascending. Absent from the tree when empty. */
export const encodeJobIndex = (ids: readonly Uint8Array[]): Uint8Array => encode([...ids]);
export function decodeJobIndex(b: Uint8Array): Uint8Array[] {
  const v = decodeCanonical(b, 'job index');
  if (!Array.isArray(v)) throw new VmError(M, 'job index: expected an array');
  const ids = v.map((id, i) => expectBytes(id, `job index[${i}]`, 32, M));
  for (let i = 1; i < ids.length; i++) if (compareBytes(ids[i - 1]!, ids[i]!) >= 0) throw new VmError(M, 'job index: ids must be strictly ascending');
  return ids;
}
