// Wire form of the job payloads, kinds 4..9 (docs/jobs.md §1). List sizes are bounded here, at
// decode, so no transaction can make a verifier allocate or hash more than the bounds allow.
import { Reader, expectBytes, expectString, jobTermsFields, readJobTerms, JOB_TERMS_FIELDS, type Encodable } from '../codec/index.ts';
import { VmError, type VmErrorCode } from '../errors.ts';
import { JOB_LIMITS, TxKind, type JobPayload } from '../types/index.ts';
import { CHUNK_SIZE } from '../../ml-runtime/commitment/index.ts';

const hashList = (v: unknown, path: string, code: VmErrorCode, min: number, max: number): Uint8Array[] => {
  if (!Array.isArray(v) || v.length < min || v.length > max) throw new VmError(code, `${path}: expected an array of ${min} to ${max} 32-byte hashes`);
  return v.map((h, i) => expectBytes(h, `${path}[${i}]`, 32, code));
};

export function jobPayloadArray(p: JobPayload): Encodable[] {
  switch (p.kind) {
    case 'job-submit':
      return [TxKind.JobSubmit, ...jobTermsFields(p.terms)];
    case 'job-accept':
      return [TxKind.JobAccept, p.jobId, p.daPeer, p.daAddrs];
    case 'trace-commit': {
      const base: Encodable[] = [TxKind.TraceCommit, p.jobId, p.traceRoot, p.checkpointsRoot, p.finalChunkRoot, p.finalStepHash];
      return p.lossRoot ? [...base, p.lossRoot] : base;
    }
    case 'job-open':
      return [TxKind.JobOpen, p.jobId, p.openings.map((o) => [o.index, o.chunkRoot, o.stepHash, o.siblings])];
    case 'job-attest':
      return [TxKind.JobAttest, p.jobId, p.digest];
    case 'job-reveal': {
      const withLoss = revealCarriesLoss(p);
      return [TxKind.JobReveal, p.jobId, p.items.map((it) => (withLoss
        ? [it.from, it.hashes, it.siblings, it.losses ?? new Uint8Array(0), it.lossSiblings ?? []]
        : [it.from, it.hashes, it.siblings]))];
    }
    case 'dispute-open':
      return [TxKind.DisputeOpen, p.jobId, p.target === 'solver' ? 1 : 2, p.segment, p.member ?? new Uint8Array(0), p.hashes];
    case 'dispute-respond':
      return respondCarriesLoss(p)
        ? [TxKind.DisputeRespond, p.jobId, p.dispute, p.hashes, p.siblings, p.losses!, p.lossSiblings ?? []]
        : [TxKind.DisputeRespond, p.jobId, p.dispute, p.hashes, p.siblings];
    case 'state-supply':
      return [TxKind.StateSupply, p.jobId, p.dispute, p.offset, p.total, p.bytes];
    case 'sample-supply':
      return [TxKind.SampleSupply, p.jobId, p.dispute, p.items.map((it) => [it.index, it.bytes, it.siblings])];
    case 'da-demand':
      return [TxKind.DaDemand, p.jobId, p.checkpoint, p.chunk];
    case 'da-chunk':
      return [TxKind.DaChunk, p.jobId, p.checkpoint, p.chunkRoot, p.stepHash, p.checkpointSiblings, p.chunk, p.bytes, p.chunkSiblings];
    case 'job-diverge':
      return [TxKind.JobDiverge, p.jobId, p.step, p.traceRoot, p.checkpointsRoot, p.finalChunkRoot, p.finalStepHash];
  }
}

const revealCarriesLoss = (p: Extract<JobPayload, { kind: 'job-reveal' }>): boolean => p.items.some((it) => (it.losses?.length ?? 0) > 0);
const respondCarriesLoss = (p: Extract<JobPayload, { kind: 'dispute-respond' }>): boolean => (p.losses?.length ?? 0) > 0;

/**
 * The tx version a job payload needs (docs/chain-protocol.md): 2 for a TraceCommit with a loss root
 * and a JobReveal or DisputeRespond carrying loss leaves, 1 otherwise, so every transaction of a chain without loss
 * curves keeps its version-1 bytes and hash.
 */
export function jobPayloadVersion(p: JobPayload): number {
  if (p.kind === 'trace-commit') return p.lossRoot ? 2 : 1;
  if (p.kind === 'job-reveal') return revealCarriesLoss(p) ? 2 : 1;
  if (p.kind === 'dispute-respond') return respondCarriesLoss(p) ? 2 : 1;
  return 1;
}

/** Most loss bytes a reveal item carries: a segment of at most maxInterval steps. */
const MAX_LOSS_LEAF = JOB_LIMITS.maxInterval * 4;

/** Most hashes a dispute move can carry: a member's preimage, h0 and up to 64 segments of up to 64 hashes. */
const MAX_DISPUTE_HASHES = 1 + JOB_LIMITS.maxQ * JOB_LIMITS.maxInterval;

/**
 * Decodes a payload whose kind tag is 4..16; null for any other tag. `version` is the envelope's:
 * version 2 is only a TraceCommit with a loss root, a JobReveal with loss leaves or a DisputeRespond with one.
 */
export function readJobPayload(v: unknown[], version = 1): JobPayload | null {
  const p = readJobPayloadFields(v, version);
  if (p && jobPayloadVersion(p) !== version) throw new VmError('TX_MALFORMED', `tx.version: a ${p.kind} payload of this shape is version ${jobPayloadVersion(p)}, not ${version}`);
  return p;
}

function readJobPayloadFields(v: unknown[], version: number): JobPayload | null {
  const v2 = version === 2;
  switch (v[0]) {
    case TxKind.JobSubmit: {
      const r = Reader.of(v, 'tx.job-submit', 1 + JOB_TERMS_FIELDS);
      r.u32('kind');
      return { kind: 'job-submit', terms: readJobTerms(r, 'tx.job-submit', 'TX_MALFORMED') };
    }
    case TxKind.JobAccept: {
      const r = Reader.of(v, 'tx.job-accept', 4);
      r.u32('kind');
      const jobId = r.bytes('jobId', 32);
      const daPeer = r.str('daPeer', JOB_LIMITS.maxDaPeerLength);
      const daAddrs = r.list('daAddrs', 0, JOB_LIMITS.maxDaAddrs, (a, path, code) => expectString(a, path, JOB_LIMITS.maxDaAddrLength, code));
      return { kind: 'job-accept', jobId, daPeer, daAddrs };
    }
    case TxKind.TraceCommit: {
      const r = Reader.of(v, 'tx.trace-commit', v2 ? 7 : 6);
      r.u32('kind');
      const p = {
        kind: 'trace-commit' as const, jobId: r.bytes('jobId', 32), traceRoot: r.bytes('traceRoot', 32), checkpointsRoot: r.bytes('checkpointsRoot', 32),
        finalChunkRoot: r.bytes('finalChunkRoot', 32), finalStepHash: r.bytes('finalStepHash', 32),
      };
      return v2 ? { ...p, lossRoot: r.bytes('lossRoot', 32) } : p;
    }
    case TxKind.JobOpen: {
      const r = Reader.of(v, 'tx.job-open', 3);
      r.u32('kind');
      const jobId = r.bytes('jobId', 32);
      const openings = r.list('openings', 1, JOB_LIMITS.maxOpenings, (o, path, code) => {
        const or = Reader.of(o, path, 4, code);
        return {
          index: or.u32('index'), chunkRoot: or.bytes('chunkRoot', 32), stepHash: or.bytes('stepHash', 32),
          siblings: hashList(or.raw(), `${path}.siblings`, code, 0, JOB_LIMITS.maxSiblings),
        };
      });
      return { kind: 'job-open', jobId, openings };
    }
    case TxKind.JobAttest: {
      const r = Reader.of(v, 'tx.job-attest', 3);
      r.u32('kind');
      return { kind: 'job-attest', jobId: r.bytes('jobId', 32), digest: r.bytes('digest', 32) };
    }
    case TxKind.JobReveal: {
      const r = Reader.of(v, 'tx.job-reveal', 3);
      r.u32('kind');
      const jobId = r.bytes('jobId', 32);
      const items = r.list('items', 1, JOB_LIMITS.maxRevealItems, (it, path, code) => {
        const ir = Reader.of(it, path, v2 ? 5 : 3, code);
        const item = {
          from: ir.u32('from'),
          hashes: hashList(ir.raw(), `${path}.hashes`, code, 1, JOB_LIMITS.maxRevealHashes),
          siblings: hashList(ir.raw(), `${path}.siblings`, code, 0, JOB_LIMITS.maxSiblings),
        };
        if (!v2) return item;
        const losses = ir.bin('losses', MAX_LOSS_LEAF);
        return { ...item, losses, lossSiblings: hashList(ir.raw(), `${path}.lossSiblings`, code, 0, JOB_LIMITS.maxSiblings) };
      });
      return { kind: 'job-reveal', jobId, items };
    }
    case TxKind.DisputeOpen: {
      const r = Reader.of(v, 'tx.dispute-open', 6);
      r.u32('kind');
      const jobId = r.bytes('jobId', 32);
      const t = r.u32('target');
      if (t !== 1 && t !== 2) throw new VmError('TX_MALFORMED', `tx.dispute-open.target: expected 1 (solver) or 2 (attestation), got ${t}`);
      const segment = r.u32('segment');
      const m = r.bin('member', 20);
      if (m.length !== 0 && m.length !== 20) throw new VmError('TX_MALFORMED', 'tx.dispute-open.member: expected 0 or 20 bytes');
      const hashes = hashList(r.raw(), 'tx.dispute-open.hashes', 'TX_MALFORMED', 0, JOB_LIMITS.maxRevealHashes);
      return { kind: 'dispute-open', jobId, target: t === 1 ? 'solver' : 'attestation', segment, member: m.length ? m : null, hashes };
    }
    case TxKind.DisputeRespond: {
      const r = Reader.of(v, 'tx.dispute-respond', v2 ? 7 : 5);
      r.u32('kind');
      const p = {
        kind: 'dispute-respond' as const, jobId: r.bytes('jobId', 32), dispute: r.u32('dispute'),
        hashes: hashList(r.raw(), 'tx.dispute-respond.hashes', 'TX_MALFORMED', 1, MAX_DISPUTE_HASHES),
        siblings: hashList(r.raw(), 'tx.dispute-respond.siblings', 'TX_MALFORMED', 0, JOB_LIMITS.maxSiblings),
      };
      if (!v2) return p;
      const losses = r.bin('losses', MAX_LOSS_LEAF);
      return { ...p, losses, lossSiblings: hashList(r.raw(), 'tx.dispute-respond.lossSiblings', 'TX_MALFORMED', 0, JOB_LIMITS.maxSiblings) };
    }
    case TxKind.StateSupply: {
      const r = Reader.of(v, 'tx.state-supply', 6);
      r.u32('kind');
      return {
        kind: 'state-supply', jobId: r.bytes('jobId', 32), dispute: r.u32('dispute'), offset: r.u32('offset'), total: r.u32('total'),
        bytes: r.bin('bytes', JOB_LIMITS.maxSupplyPiece),
      };
    }
    case TxKind.SampleSupply: {
      const r = Reader.of(v, 'tx.sample-supply', 4);
      r.u32('kind');
      const jobId = r.bytes('jobId', 32);
      const dispute = r.u32('dispute');
      const items = r.list('items', 1, JOB_LIMITS.maxSampleItems, (it, path, code) => {
        const ir = Reader.of(it, path, 3, code);
        return { index: ir.u32('index'), bytes: ir.bin('bytes', JOB_LIMITS.maxSampleBytes), siblings: hashList(ir.raw(), `${path}.siblings`, code, 0, JOB_LIMITS.maxSiblings) };
      });
      return { kind: 'sample-supply', jobId, dispute, items };
    }
    case TxKind.DaDemand: {
      const r = Reader.of(v, 'tx.da-demand', 4);
      r.u32('kind');
      return { kind: 'da-demand', jobId: r.bytes('jobId', 32), checkpoint: r.u32('checkpoint'), chunk: r.u32('chunk') };
    }
    case TxKind.DaChunk: {
      const r = Reader.of(v, 'tx.da-chunk', 9);
      r.u32('kind');
      return {
        kind: 'da-chunk', jobId: r.bytes('jobId', 32), checkpoint: r.u32('checkpoint'), chunkRoot: r.bytes('chunkRoot', 32), stepHash: r.bytes('stepHash', 32),
        checkpointSiblings: hashList(r.raw(), 'tx.da-chunk.checkpointSiblings', 'TX_MALFORMED', 0, JOB_LIMITS.maxSiblings),
        chunk: r.u32('chunk'), bytes: r.bin('bytes', CHUNK_SIZE),
        chunkSiblings: hashList(r.raw(), 'tx.da-chunk.chunkSiblings', 'TX_MALFORMED', 0, JOB_LIMITS.maxSiblings),
      };
    }
    case TxKind.JobDiverge: {
      const r = Reader.of(v, 'tx.job-diverge', 7);
      r.u32('kind');
      return {
        kind: 'job-diverge', jobId: r.bytes('jobId', 32), step: r.u32('step'), traceRoot: r.bytes('traceRoot', 32), checkpointsRoot: r.bytes('checkpointsRoot', 32),
        finalChunkRoot: r.bytes('finalChunkRoot', 32), finalStepHash: r.bytes('finalStepHash', 32),
      };
    }
    default:
      return null;
  }
}
