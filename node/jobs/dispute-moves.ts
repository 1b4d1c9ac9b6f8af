// Payloads for the moves of the dispute game (docs/disputes.md §3), shared by the solver (defending
// its trace), committee members (defending an attestation) and challengers (polchain watch, polchain
// job dispute): state_t in pieces that each fit a transaction, and the disputed step's batch with
// proofs under the dataset root. Sizes are measured on the real signed encoding (tx-size.ts).
import { sampleProof, encodeSample, type Dataset } from '../../ml-runtime/index.ts';
import { batchNeeded, encodeTx, type SampleSupplyPayload, type SignedTx, type StateSupplyPayload, type TxBody, type TxPayload } from '../../vm/index.ts';
import { JobsError } from './errors.ts';

const PLACEHOLDER_KEY = new Uint8Array(32);
const PLACEHOLDER_SIG = new Uint8Array(64);

/** Encoded size of a signed transaction carrying `payload`: u64s always take 9 bytes and keys and signatures are fixed, so placeholders give the exact size. */
export function signedSize(chainId: string, payload: TxPayload): number {
  const body: TxBody = { chainId, nonce: 0n, fee: 0n, payload };
  const tx: SignedTx = { body, publicKey: PLACEHOLDER_KEY, signature: PLACEHOLDER_SIG };
  return encodeTx(tx).length;
}

/** StateSupply payloads that put `state` on chain for dispute `dispute`, in order, each signed transaction ≤ maxTxBytes. */
export function statePieces(chainId: string, jobId: Uint8Array, dispute: number, state: Uint8Array, maxTxBytes: number): StateSupplyPayload[] {
  const mk = (offset: number, bytes: Uint8Array): StateSupplyPayload => ({ kind: 'state-supply', jobId, dispute, offset, total: state.length, bytes });
  // the envelope grows with the offset (msgpack ints take 1..5 bytes) and the piece (bin headers take
  // 2..5 bytes): measured once with the largest offset and a piece long enough for the largest header
  const probe = 1 << 16;
  const overhead = signedSize(chainId, mk(0xffffffff, new Uint8Array(probe))) - probe;
  const piece = maxTxBytes - overhead;
  if (piece < 1) throw new JobsError('DISPUTE_TX_TOO_LARGE', `a state piece does not fit a transaction of ${maxTxBytes} bytes`);
  const out: StateSupplyPayload[] = [];
  for (let o = 0; o < state.length; o += piece) out.push(mk(o, state.subarray(o, Math.min(o + piece, state.length))));
  return out;
}

/** Distinct sample indices of step t's batch, ascending: exactly what the chain's referee needs (vm batchNeeded). */
export const batchSampleIndices = batchNeeded;

/** SampleSupply payloads carrying `indices` of `data` with proofs, each signed transaction ≤ maxTxBytes. */
export function samplePayloads(chainId: string, jobId: Uint8Array, dispute: number, data: Dataset, indices: readonly number[], maxTxBytes: number): SampleSupplyPayload[] {
  const items = indices.map((index) => ({ index, bytes: encodeSample(data, index), siblings: sampleProof(data, index).siblings }));
  const mk = (batch: SampleSupplyPayload['items']): SampleSupplyPayload => ({ kind: 'sample-supply', jobId, dispute, items: batch });
  const out: SampleSupplyPayload[] = [];
  let cur: SampleSupplyPayload['items'] = [];
  for (const it of items) {
    const next = [...cur, it];
    if (next.length <= 256 && signedSize(chainId, mk(next)) <= maxTxBytes) { cur = next; continue; }
    if (!cur.length) throw new JobsError('DISPUTE_TX_TOO_LARGE', `sample ${it.index} alone does not fit a transaction of ${maxTxBytes} bytes`);
    out.push(mk(cur));
    cur = [it];
  }
  if (cur.length) out.push(mk(cur));
  return out;
}
