import { encode, withEncoding, decodeCanonical, Reader, type Encodable } from '../codec/index.ts';
import { VmError } from '../errors.ts';
import { TxKind, type SignedTx, type TxBody, type TxPayload } from '../types/index.ts';
import { jobPayloadArray, jobPayloadVersion, readJobPayload } from './job-codec.ts';
import { BLS_POP_LENGTH } from './bls-pop.ts';

/** The envelope version of every transaction but the two that carry loss commitments (those are 2: txVersion). */
export const TX_VERSION = 1;
export const TX_VERSION_LOSS = 2;

/** 2 for a TraceCommit with a loss root or a JobReveal with loss leaves (docs/chain-protocol.md), 1 for everything else. */
export function txVersion(body: TxBody): number {
  const p = body.payload;
  return p.kind === 'transfer' || p.kind === 'stake' || p.kind === 'unbond' ? TX_VERSION : jobPayloadVersion(p);
}
const SIGNING_DOMAIN = 'polchain/tx/v1';
const MAX_CHAIN_ID = 64;

function payloadArray(p: TxPayload): Encodable[] {
  switch (p.kind) {
    case 'transfer':
      return [TxKind.Transfer, p.to, p.amount];
    case 'stake':
      return [TxKind.Stake, p.consensusKey, p.blsKey, p.amount, p.blsPop];
    case 'unbond':
      return [TxKind.Unbond, p.amount];
    default:
      return jobPayloadArray(p);
  }
}

function bodyArray(b: TxBody): Encodable[] {
  return [b.chainId, b.nonce, b.fee, payloadArray(b.payload)];
}

/** The bytes a sender signs: a domain tag, then the body (whose first field is the chain id). */
export function txSigningBytes(body: TxBody): Uint8Array {
  return encode([SIGNING_DOMAIN, bodyArray(body)]);
}

/** The signing bytes lent to `use` without a copy, for checking a signature only (codec `withEncoding`). */
export function withTxSigningBytes<T>(body: TxBody, use: (bytes: Uint8Array) => T): T {
  return withEncoding([SIGNING_DOMAIN, bodyArray(body)], use);
}

export function encodeTx(tx: SignedTx): Uint8Array {
  return encode([txVersion(tx.body), bodyArray(tx.body), tx.publicKey, tx.signature]);
}

function readPayload(v: unknown, version: number): TxPayload {
  if (!Array.isArray(v) || v.length === 0) throw new VmError('TX_MALFORMED', 'tx.body.payload: expected a non-empty array');
  switch (v[0]) {
    case TxKind.Transfer: {
      const r = Reader.of(v, 'tx.transfer', 3);
      r.u32('kind');
      return { kind: 'transfer', to: r.bytes('to', 20), amount: r.u64('amount') };
    }
    case TxKind.Stake: {
      // the stake of chains before the proof of possession: refused by name, not as malformed bytes
      if (v.length === 4) throw new VmError('STAKE_POP_MISSING', 'tx.stake: no proof of possession of the BLS key (blsPop); every stake must carry one');
      const r = Reader.of(v, 'tx.stake', 5);
      r.u32('kind');
      return { kind: 'stake', consensusKey: r.bytes('consensusKey', 32), blsKey: r.bytes('blsKey', 48), amount: r.u64('amount'), blsPop: r.bytes('blsPop', BLS_POP_LENGTH) };
    }
    case TxKind.Unbond: {
      const r = Reader.of(v, 'tx.unbond', 2);
      r.u32('kind');
      return { kind: 'unbond', amount: r.u64('amount') };
    }
    default: {
      const job = readJobPayload(v, version);
      if (job) return job;
      throw new VmError('TX_MALFORMED', `tx.body.payload: unknown transaction kind ${String(v[0])}`);
    }
  }
}

/** Decodes a transaction, rejecting any byte string that is not the canonical encoding of a valid shape. */
export function decodeTx(bytes: Uint8Array, maxBytes: number): SignedTx {
  if (bytes.length > maxBytes) throw new VmError('TX_TOO_LARGE', `transaction is ${bytes.length} bytes; the limit is ${maxBytes}`);
  const v = decodeCanonical(bytes, 'transaction');
  const r = Reader.of(v, 'tx', 4);
  const version = r.u32('version');
  if (version !== TX_VERSION && version !== TX_VERSION_LOSS) throw new VmError('TX_MALFORMED', `tx.version: unsupported version ${version}`);
  const b = Reader.of(r.raw(), 'tx.body', 4);
  const chainId = b.str('chainId', MAX_CHAIN_ID);
  const nonce = b.u64('nonce');
  const fee = b.u64('fee');
  const payload = readPayload(b.raw(), version);
  if (txVersion({ chainId, nonce, fee, payload }) !== version) throw new VmError('TX_MALFORMED', `tx.version: a ${payload.kind} transaction is version ${txVersion({ chainId, nonce, fee, payload })}, not ${version}`);
  return { body: { chainId, nonce, fee, payload }, publicKey: r.bytes('publicKey', 32), signature: r.bytes('signature', 64) };
}
