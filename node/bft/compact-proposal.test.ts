// Compact proposals: a proposer gossips its block's skeleton and transaction hashes; a receiver
// holding the transactions rebuilds the proposer's exact bytes, one lacking any learns which, and
// malformed or oversized compact proposals are refused before anything is rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { decodeBlock, encode, encodeBlock, type Encodable } from '../../vm/index.ts';
import { ConsensusError, encodeProposal, signProposal, verifyProposalSignature, type Proposal } from '../../consensus/index.ts';
import { Mempool } from '../mempool/index.ts';
import { EvidencePool } from './evidence-pool.ts';
import { ProposalApp } from './proposal-app.ts';
import { decodeGossipedProposal, encodeCompactProposal, rebuildProposal, skeletonProposal, type CompactProposal } from './compact-proposal.ts';
import { alice, bob, carol, val, testState, transfer, consensusHooks } from '../../test/helpers/chain-fixtures.ts';
import { bytesToHex, publicKeyFromSeed, sha256 } from '../../primitives/index.ts';

function node() {
  const state = testState();
  const mempool = new Mempool(state);
  const app = new ProposalApp({
    state, mempool, evidence: new EvidencePool(() => { throw new Error('no evidence here'); }), hooks: consensusHooks(state.chainId, () => state.validatorList()),
    clock: () => 5_000n, logger: pino({ level: 'silent' }), proposer: { address: val.address, blsSecret: val.blsSecret }, lastCommit: () => null,
  });
  return { state, mempool, app };
}

const txs = [transfer(alice, bob, 5n, 0n), transfer(alice, carol, 7n, 1n), transfer(bob, carol, 1n, 0n)];

function proposed() {
  const proposer = node();
  for (const tx of txs) proposer.mempool.add(tx);
  const bytes = proposer.app.buildBlock(1n);
  const block = decodeBlock(bytes);
  const p: Proposal = signProposal(proposer.state.chainId, { height: 1n, round: 2, polRound: 1, blockHash: proposer.app.hashBlock(bytes), block: bytes, proposer: val.address }, val.seed);
  return { proposer, bytes, block, p, compact: encodeCompactProposal(p, block, block.txs.map((t) => sha256(t))) };
}

const decodeCompact = (bytes: Uint8Array, maxTxs = 10_000): CompactProposal => {
  const d = decodeGossipedProposal(bytes, maxTxs);
  assert.ok('compact' in d, 'decodes as a compact proposal');
  return d.compact;
};

test('a receiver holding the transactions rebuilds the proposer\'s exact block and proposal, and validates it', () => {
  const { proposer, bytes, block, p, compact } = proposed();
  assert.equal(block.txs.length, 3);
  const parts = proposer.app.compactParts(bytes, p.blockHash);
  assert.deepEqual(parts.txHashes.map(bytesToHex), txs.map((t) => bytesToHex(sha256(t))), 'the proposer reuses the hashes its build computed, in block order');
  assert.deepEqual(encodeCompactProposal(p, parts.block, parts.txHashes), compact);
  const saved = encodeProposal(p).length - compact.length;
  const txBytes = block.txs.reduce((a, t) => a + t.length, 0);
  assert.ok(saved > txBytes - 32 * 3 - 16 && saved <= txBytes, `the transactions travel as 32-byte hashes (saved ${saved} of ${txBytes} bytes)`);
  const c = decodeCompact(compact);
  assert.deepEqual(c.txHashes.map(bytesToHex), txs.map((t) => bytesToHex(sha256(t))));
  const receiver = node();
  for (const tx of [...txs].reverse()) receiver.mempool.add(tx); // arrival order does not matter
  const r = rebuildProposal(c, (k) => receiver.mempool.verified.get(k)?.bytes);
  assert.ok(!('missing' in r));
  assert.deepEqual(r.proposal.block, bytes, 'byte for byte the proposer\'s block');
  assert.deepEqual(encodeProposal(r.proposal), encodeProposal(p), 'and the same proposal');
  assert.ok(verifyProposalSignature(receiver.state.chainId, r.proposal, publicKeyFromSeed(val.seed)));
  assert.ok(verifyProposalSignature(receiver.state.chainId, skeletonProposal(c), publicKeyFromSeed(val.seed)), 'the skeleton carries the same signature');
  receiver.app.adopt(r.proposal.block, r.block, c.blockHash);
  assert.deepEqual(receiver.app.hashBlock(r.proposal.block), p.blockHash);
  assert.equal(receiver.app.validateBlock(1n, r.proposal.block), true);
});

test('a receiver missing transactions learns exactly which, and rebuilds nothing', () => {
  const { compact } = proposed();
  const c = decodeCompact(compact);
  const receiver = node();
  receiver.mempool.add(txs[0]!);
  const r = rebuildProposal(c, (k) => receiver.mempool.verified.get(k)?.bytes);
  assert.ok('missing' in r);
  assert.deepEqual(r.missing.map(bytesToHex), [txs[1]!, txs[2]!].map((t) => bytesToHex(sha256(t))));
});

test('a transaction swapped for another changes the rebuilt block, which then fails validation', () => {
  const { compact, p } = proposed();
  const c = decodeCompact(compact);
  const other = transfer(alice, carol, 8n, 1n); // same sender and nonce as txs[1], other amount
  const receiver = node();
  for (const tx of [txs[0]!, other, txs[2]!]) receiver.mempool.verified.get(bytesToHex(sha256(tx))) ?? receiver.mempool.add(tx);
  const swapped = rebuildProposal({ ...c, txHashes: [c.txHashes[0]!, sha256(other), c.txHashes[2]!] }, (k) => receiver.mempool.verified.get(k)?.bytes);
  assert.ok(!('missing' in swapped));
  assert.notDeepEqual(swapped.proposal.block, p.block);
  receiver.app.adopt(swapped.proposal.block, swapped.block, c.blockHash);
  assert.equal(receiver.app.validateBlock(1n, swapped.proposal.block), false, 'the header\'s txRoot no longer matches');
});

test('malformed compact proposals are refused with CONSENSUS_MALFORMED; a full proposal still decodes as one', () => {
  const { block, p, compact } = proposed();
  const skeleton = encodeBlock({ ...block, txs: [] });
  const fields = (over: Partial<Record<number, unknown>>): Uint8Array => {
    const base: unknown[] = [p.height, p.round, p.polRound, p.blockHash, skeleton, new Uint8Array(32 * 3), p.proposer, p.signature];
    for (const [i, v] of Object.entries(over)) base[Number(i)] = v;
    return encode(base as Encodable[]);
  };
  const refused = (bytes: Uint8Array, maxTxs: number, what: RegExp) =>
    assert.throws(() => decodeGossipedProposal(bytes, maxTxs), (e: unknown) => e instanceof ConsensusError && e.code === 'CONSENSUS_MALFORMED' && what.test(e.message));
  decodeCompact(fields({}));
  refused(fields({ 5: new Uint8Array(33) }), 10, /whole number of 32-byte hashes/);
  refused(fields({}), 2, /3 transactions; a block holds at most 2/);
  refused(fields({ 4: encodeBlock(block) }), 10, /must carry no transactions/);
  refused(fields({ 4: Uint8Array.of(1, 2, 3) }), 10, /./);
  refused(fields({ 2: 2 }), 10, /polRound: must be below round/);
  refused(fields({ 3: new Uint8Array(31) }), 10, /blockHash/);
  refused(compact.subarray(0, compact.length - 1), 10, /./);
  const full = decodeGossipedProposal(encodeProposal(p), 10);
  assert.ok('full' in full && equalProposal(full.full, p));
});

const equalProposal = (a: Proposal, b: Proposal) => bytesToHex(encodeProposal(a)) === bytesToHex(encodeProposal(b));
