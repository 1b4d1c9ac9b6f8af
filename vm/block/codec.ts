import { encode, decodeCanonical, Reader, type Encodable } from '../codec/index.ts';

import { VmError } from '../errors.ts';
import type { Block, BlockHeader, ChainEvent, Commit, EventKindTag, Receipt } from '../types/index.ts';
import { receiptFields, eventFields } from './receipts-codec.ts';
import { sha256 } from '../../primitives/index.ts';

export const BLOCK_VERSION = 2;
const COMMIT_DOMAIN = 'polchain/commit/v1';

const headerArray = (h: BlockHeader): Encodable[] => [
  h.version, h.chainId, h.height, h.timestampMs, h.prevHash, h.txRoot, h.stateRoot, h.receiptsRoot, h.proposer,
  h.lastCommitHash, h.evidenceHash, h.validatorsHash, h.beacon,
];

export const encodeHeader = (h: BlockHeader): Uint8Array => encode(headerArray(h));
export const blockHash = (h: BlockHeader): Uint8Array => sha256(encodeHeader(h));
/** block = [header, [tx bytes...], lastCommit (bytes | nil), [evidence bytes...], beaconSig(96)] */
export const encodeBlock = (b: Block): Uint8Array => encode([headerArray(b.header), b.txs, b.lastCommit, b.evidence, b.beaconSig]);

function readHeader(v: unknown): BlockHeader {
  const r = Reader.of(v, 'header', 13, 'BLOCK_INVALID');
  return {
    version: r.u32('version'), chainId: r.str('chainId', 64), height: r.u64('height'), timestampMs: r.u64('timestampMs'),
    prevHash: r.bytes('prevHash', 32), txRoot: r.bytes('txRoot', 32), stateRoot: r.bytes('stateRoot', 32),
    receiptsRoot: r.bytes('receiptsRoot', 32), proposer: r.bytes('proposer', 20), lastCommitHash: r.bytes('lastCommitHash', 32),
    evidenceHash: r.bytes('evidenceHash', 32), validatorsHash: r.bytes('validatorsHash', 32), beacon: r.bytes('beacon', 32),
  };
}

function byteList(r: Reader, field: string): Uint8Array[] {
  const list = r.array(field);
  for (const t of list) if (!(t instanceof Uint8Array)) throw new VmError('BLOCK_INVALID', `block.${field}: every entry must be a byte string`);
  return list as Uint8Array[];
}

export function decodeBlock(bytes: Uint8Array): Block {
  const r = Reader.of(decodeCanonical(bytes, 'block'), 'block', 5, 'BLOCK_INVALID');
  const header = readHeader(r.raw());
  const txs = byteList(r, 'txs');
  const lastCommit = r.raw();
  if (lastCommit !== null && !(lastCommit instanceof Uint8Array)) throw new VmError('BLOCK_INVALID', 'block.lastCommit: expected a byte string or nil');
  const evidence = byteList(r, 'evidence');
  const beaconSig = r.bytes('beaconSig', 96);
  return { header, txs, lastCommit, evidence, beaconSig };
}

export const commitSigningBytes = (chainId: string, height: bigint, hash: Uint8Array): Uint8Array =>
  encode([COMMIT_DOMAIN, chainId, height, hash]);

export const encodeCommit = (c: Commit): Uint8Array =>
  encode([c.height, c.blockHash, c.signatures.map((s) => [s.validator, s.signature])]);

export function decodeCommit(bytes: Uint8Array): Commit {
  const r = Reader.of(decodeCanonical(bytes, 'commit'), 'commit', 3, 'BLOCK_INVALID');
  const height = r.u64('height');
  const hash = r.bytes('blockHash', 32);
  const signatures = r.array('signatures').map((s) => {
    const sr = Reader.of(s, 'commit.signature', 2, 'BLOCK_INVALID');
    return { validator: sr.bytes('validator', 20), signature: sr.bytes('signature', 64) };
  });
  return { height, blockHash: hash, signatures };
}

/** One receipt through the generic encoder (a block's receipts go through receipts-codec.ts `encodeReceipts`, same bytes). */
export const encodeReceipt = (r: Receipt): Uint8Array => encode(receiptFields(r));

export function decodeReceipt(bytes: Uint8Array): Receipt {
  const r = Reader.of(decodeCanonical(bytes, 'receipt'), 'receipt', 6, 'CODEC_MALFORMED');
  return {
    txHash: r.bytes('txHash', 32), height: r.u64('height'), index: r.u32('index'), sender: r.bytes('sender', 20), fee: r.u64('fee'),
    events: r.array('events').map(decodeEventFields),
  };
}

export const encodeEvents = (events: ChainEvent[]): Uint8Array => encode(events.map(eventFields));
export function decodeEvents(bytes: Uint8Array): ChainEvent[] {
  const v = decodeCanonical(bytes, 'events');
  if (!Array.isArray(v)) throw new VmError('CODEC_MALFORMED', 'events: expected an array');
  return v.map(decodeEventFields);
}

function decodeEventFields(v: unknown): ChainEvent {
  const r = Reader.of(v, 'event', 4, 'CODEC_MALFORMED');
  const kind = r.u32('kind') as EventKindTag;
  const address = r.bytes('address', 20);
  const cp = r.raw();
  if (cp !== null && !(cp instanceof Uint8Array && cp.length === 20)) throw new VmError('CODEC_MALFORMED', 'event.counterparty: expected null or 20 bytes');
  return { kind, address, counterparty: cp as Uint8Array | null, amount: r.u64('amount') };
}
