import { blockHash, EventKind, type Block, type ChainEvent, type Receipt, type SignedTx, type Account, type Validator, type TxPayload } from '../../vm/index.ts';
import type {
  AccountJson, BlockHeaderJson, EventJson, Native, ReceiptJson, TxJson, TxPayloadJson, ValidatorJson,
} from '../../rpc/index.ts';
import { encodeAddress } from '../../primitives/index.ts';

/**
 * JSON views of chain objects for RPC, in the shapes rpc/api declares (docs/rpc.md): bigint and
 * Uint8Array values are left for the rpc module's replacer to write as decimal strings and 0x-hex.
 */
const EVENT_NAMES: Record<number, string> = {
  [EventKind.Transfer]: 'transfer', [EventKind.Fee]: 'fee', [EventKind.Stake]: 'stake', [EventKind.Unbond]: 'unbond', [EventKind.UnbondComplete]: 'unbond_complete', [EventKind.Slash]: 'slash',
  [EventKind.JobEscrow]: 'job_escrow', [EventKind.JobBond]: 'job_bond', [EventKind.JobPayout]: 'job_payout', [EventKind.JobRefund]: 'job_refund',
  [EventKind.JobSlash]: 'job_slash', [EventKind.JobReward]: 'job_reward',
  [EventKind.JobSlashShare]: 'job_slash_share', [EventKind.DisputeBond]: 'dispute_bond', [EventKind.DisputeAward]: 'dispute_award',
  [EventKind.LivenessPenalty]: 'liveness_penalty',
};

/** Payload fields by kind; job specs are UTF-8 JSON and shown as text, hashes as 0x-hex, lists by count where long. */
function payloadJson(p: TxPayload): TxPayloadJson<Native> {
  switch (p.kind) {
    case 'transfer': return { kind: p.kind, to: encodeAddress(p.to), amount: p.amount };
    case 'stake': return { kind: p.kind, consensusKey: p.consensusKey, blsKey: p.blsKey, amount: p.amount, blsPop: p.blsPop };
    case 'unbond': return { kind: p.kind, amount: p.amount };
    case 'job-submit': {
      const t = p.terms;
      return {
        kind: p.kind, spec: new TextDecoder().decode(t.spec), runtime: t.runtime, datasetRoot: t.datasetRoot, datasetSize: t.datasetSize, q: t.q,
        committeeSize: t.committeeSize, windows: { ...t.windows }, solverStake: t.solverStake, bounty: t.bounty, attestReward: t.attestReward, parent: t.parent,
        dispute: { ...t.dispute },
      };
    }
    case 'job-accept': return { kind: p.kind, jobId: p.jobId, daPeer: p.daPeer, daAddrs: p.daAddrs };
    case 'trace-commit': return { kind: p.kind, jobId: p.jobId, traceRoot: p.traceRoot, checkpointsRoot: p.checkpointsRoot, finalChunkRoot: p.finalChunkRoot, finalStepHash: p.finalStepHash, ...(p.lossRoot ? { lossRoot: p.lossRoot } : {}) };
    case 'job-open': return { kind: p.kind, jobId: p.jobId, openings: p.openings.map((o) => ({ index: o.index, chunkRoot: o.chunkRoot, stepHash: o.stepHash, siblings: o.siblings.length })) };
    case 'job-attest': return { kind: p.kind, jobId: p.jobId, digest: p.digest };
    case 'job-reveal': return { kind: p.kind, jobId: p.jobId, items: p.items.map((it) => ({ from: it.from, hashes: it.hashes, siblings: it.siblings.length, ...(it.losses?.length ? { losses: it.losses.length / 4 } : {}) })) };
    // disputes: state and sample bytes by their length (a piece may be a MiB), proofs by their sibling count
    case 'dispute-open':
      return { kind: p.kind, jobId: p.jobId, target: p.target, segment: p.segment, member: p.member ? encodeAddress(p.member) : null, hashes: p.hashes };
    case 'dispute-respond': return { kind: p.kind, jobId: p.jobId, dispute: p.dispute, hashes: p.hashes, siblings: p.siblings.length, ...(p.losses?.length ? { losses: p.losses.length / 4 } : {}) };
    case 'state-supply': return { kind: p.kind, jobId: p.jobId, dispute: p.dispute, offset: p.offset, total: p.total, length: p.bytes.length };
    case 'sample-supply':
      return { kind: p.kind, jobId: p.jobId, dispute: p.dispute, items: p.items.map((it) => ({ index: it.index, length: it.bytes.length, siblings: it.siblings.length })) };
    case 'da-demand': return { kind: p.kind, jobId: p.jobId, checkpoint: p.checkpoint, chunk: p.chunk };
    case 'da-chunk':
      return {
        kind: p.kind, jobId: p.jobId, checkpoint: p.checkpoint, chunkRoot: p.chunkRoot, stepHash: p.stepHash, checkpointSiblings: p.checkpointSiblings.length,
        chunk: p.chunk, length: p.bytes.length, chunkSiblings: p.chunkSiblings.length,
      };
    case 'job-diverge':
      return {
        kind: p.kind, jobId: p.jobId, step: p.step, traceRoot: p.traceRoot, checkpointsRoot: p.checkpointsRoot, finalChunkRoot: p.finalChunkRoot, finalStepHash: p.finalStepHash,
      };
  }
}

export const eventJson = (e: ChainEvent): EventJson<Native> => ({
  kind: EVENT_NAMES[e.kind] ?? `unknown_${e.kind}`,
  address: encodeAddress(e.address),
  counterparty: e.counterparty ? encodeAddress(e.counterparty) : null,
  amount: e.amount,
});

export function txJson(tx: SignedTx, sender: Uint8Array): TxJson<Native> {
  return {
    chainId: tx.body.chainId, nonce: tx.body.nonce, fee: tx.body.fee,
    ...payloadJson(tx.body.payload),
    sender: encodeAddress(sender), publicKey: tx.publicKey, signature: tx.signature,
  };
}

export const receiptJson = (r: Receipt): ReceiptJson<Native> => ({
  txHash: r.txHash, height: r.height, index: r.index, sender: encodeAddress(r.sender), fee: r.fee, status: 'ok', events: r.events.map(eventJson),
});

export function headerJson(b: Block): BlockHeaderJson<Native> {
  const h = b.header;
  return {
    hash: blockHash(h), version: h.version, chainId: h.chainId, height: h.height, timestampMs: h.timestampMs, prevHash: h.prevHash,
    txRoot: h.txRoot, stateRoot: h.stateRoot, receiptsRoot: h.receiptsRoot, proposer: encodeAddress(h.proposer),
    lastCommitHash: h.lastCommitHash, evidenceHash: h.evidenceHash, validatorsHash: h.validatorsHash, beacon: h.beacon,
    txCount: b.txs.length, evidenceCount: b.evidence.length,
  };
}

export const accountJson = (address: Uint8Array, a: Account | undefined): AccountJson<Native> => ({
  address: encodeAddress(address), balance: a?.balance ?? 0n, nonce: a?.nonce ?? 0n,
});

export const validatorJson = (v: Validator): ValidatorJson<Native> => ({
  address: encodeAddress(v.address), consensusKey: v.consensusKey, blsKey: v.blsKey, stake: v.stake, jailed: v.jailed === true,
});
