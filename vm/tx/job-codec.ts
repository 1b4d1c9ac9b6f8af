// Wire form of the job payloads, kinds 4..9 (docs/jobs.md §1). List sizes are bounded here, at
// decode, so no transaction can make a verifier allocate or hash more than the bounds allow.
import { Reader, expectBytes, expectString, jobTermsFields, readJobTerms, JOB_TERMS_FIELDS, type Encodable } from '../codec/index.ts';
import { VmError, type VmErrorCode } from '../errors.ts';
import { JOB_LIMITS, TxKind, type JobPayload } from '../types/index.ts';

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
    case 'trace-commit':
      return [TxKind.TraceCommit, p.jobId, p.traceRoot, p.checkpointsRoot, p.finalChunkRoot, p.finalStepHash];
    case 'job-open':
      return [TxKind.JobOpen, p.jobId, p.openings.map((o) => [o.index, o.chunkRoot, o.stepHash, o.siblings])];
    case 'job-attest':
      return [TxKind.JobAttest, p.jobId, p.digest];
    case 'job-reveal':
      return [TxKind.JobReveal, p.jobId, p.items.map((it) => [it.from, it.hashes, it.siblings])];
  }
}

/** Decodes a payload whose kind tag is 4..9; null for any other tag. */
export function readJobPayload(v: unknown[]): JobPayload | null {
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
      const r = Reader.of(v, 'tx.trace-commit', 6);
      r.u32('kind');
      return {
        kind: 'trace-commit', jobId: r.bytes('jobId', 32), traceRoot: r.bytes('traceRoot', 32), checkpointsRoot: r.bytes('checkpointsRoot', 32),
        finalChunkRoot: r.bytes('finalChunkRoot', 32), finalStepHash: r.bytes('finalStepHash', 32),
      };
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
        const ir = Reader.of(it, path, 3, code);
        return {
          from: ir.u32('from'),
          hashes: hashList(ir.raw(), `${path}.hashes`, code, 1, JOB_LIMITS.maxRevealHashes),
          siblings: hashList(ir.raw(), `${path}.siblings`, code, 0, JOB_LIMITS.maxSiblings),
        };
      });
      return { kind: 'job-reveal', jobId, items };
    }
    default:
      return null;
  }
}
