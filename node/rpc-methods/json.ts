import {
  blockHash, encodeAddress, EventKind, type Block, type ChainEvent, type Receipt, type SignedTx, type Account, type Validator,
} from '../../vm/index.ts';

/**
 * JSON views of chain objects for RPC (docs/rpc.md): addresses are bech32m `pol1...` strings,
 * integers that may exceed 2^53 are decimal strings, bytes are 0x-hex (the rpc module's replacer
 * turns bigint and Uint8Array values into those forms).
 */
const EVENT_NAMES: Record<number, string> = {
  [EventKind.Transfer]: 'transfer', [EventKind.Fee]: 'fee', [EventKind.Stake]: 'stake', [EventKind.Unbond]: 'unbond', [EventKind.UnbondComplete]: 'unbond_complete', [EventKind.Slash]: 'slash',
};

export const eventJson = (e: ChainEvent) => ({
  kind: EVENT_NAMES[e.kind] ?? `unknown_${e.kind}`,
  address: encodeAddress(e.address),
  counterparty: e.counterparty ? encodeAddress(e.counterparty) : null,
  amount: e.amount,
});

export function txJson(tx: SignedTx, sender: Uint8Array) {
  const p = tx.body.payload;
  return {
    chainId: tx.body.chainId, nonce: tx.body.nonce, fee: tx.body.fee, kind: p.kind,
    ...(p.kind === 'transfer' ? { to: encodeAddress(p.to), amount: p.amount } : p.kind === 'stake' ? { consensusKey: p.consensusKey, amount: p.amount } : { amount: p.amount }),
    sender: encodeAddress(sender), publicKey: tx.publicKey, signature: tx.signature,
  };
}

export const receiptJson = (r: Receipt) => ({
  txHash: r.txHash, height: r.height, index: r.index, sender: encodeAddress(r.sender), fee: r.fee, status: 'ok', events: r.events.map(eventJson),
});

export function headerJson(b: Block) {
  const h = b.header;
  return {
    hash: blockHash(h), version: h.version, chainId: h.chainId, height: h.height, timestampMs: h.timestampMs, prevHash: h.prevHash,
    txRoot: h.txRoot, stateRoot: h.stateRoot, receiptsRoot: h.receiptsRoot, proposer: encodeAddress(h.proposer),
    lastCommitHash: h.lastCommitHash, evidenceHash: h.evidenceHash, validatorsHash: h.validatorsHash, beacon: h.beacon,
    txCount: b.txs.length, evidenceCount: b.evidence.length,
  };
}

export const accountJson = (address: Uint8Array, a: Account | undefined) => ({
  address: encodeAddress(address), balance: a?.balance ?? 0n, nonce: a?.nonce ?? 0n,
});

export const validatorJson = (v: Validator) => ({
  address: encodeAddress(v.address), consensusKey: v.consensusKey, blsKey: v.blsKey, stake: v.stake, jailed: v.jailed === true,
});
