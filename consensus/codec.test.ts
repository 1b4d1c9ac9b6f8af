// Canonical encodings and signing bytes of votes, proposals, commits and evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../vm/index.ts';
import { decodeVote, encodeVote, signVote, verifyVoteSignature, voteSigningBytes } from './vote.ts';
import { decodeProposal, encodeProposal, signProposal, verifyProposalSignature, proposalSigningBytes } from './proposal.ts';
import { commitFromVotes, decodeCommit, encodeCommit, verifyCommit } from './commit.ts';
import { decodeEvidence, encodeEvidence, makeDuplicateVoteEvidence, verifyDuplicateVoteEvidence } from './evidence.ts';
import { makeValidatorSet, getValidator } from './validator-set.ts';
import { SIM_CHAIN, simKey } from './testkit.ts';
import { isConsensusError } from './errors.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const keys = [0, 1, 2, 3].map(simKey);
const set = makeValidatorSet(keys.map((k, i) => ({ address: k.address, consensusKey: k.publicKey, power: BigInt(i + 1) }))); // 1+2+3+4 = 10
const H = sha256(Uint8Array.of(7));
const code = (f: () => unknown) => { try { f(); return undefined; } catch (e) { return isConsensusError(e) ? e.code : `other: ${e}`; } };

test('vote: signing bytes are the documented array; encode/decode round trip; nil hash; tamper fails', () => {
  assert.equal(bytesToHex(voteSigningBytes(SIM_CHAIN, { type: 'precommit', height: 5n, round: 2, blockHash: H })),
    bytesToHex(encode(['polchain/vote/v1', SIM_CHAIN, 2, 5n, 2, H])));
  assert.equal(bytesToHex(voteSigningBytes(SIM_CHAIN, { type: 'prevote', height: 5n, round: 2, blockHash: null })),
    bytesToHex(encode(['polchain/vote/v1', SIM_CHAIN, 1, 5n, 2, null])));
  for (const blockHash of [H, null]) {
    const v = signVote(SIM_CHAIN, { type: 'prevote', height: 5n, round: 2, blockHash, validator: keys[0]!.address }, keys[0]!.seed);
    const bytes = encodeVote(v);
    const d = decodeVote(bytes);
    assert.deepEqual(d, v);
    assert.equal(bytesToHex(encodeVote(d)), bytesToHex(bytes));
    assert.equal(verifyVoteSignature(SIM_CHAIN, d, keys[0]!.publicKey), true);
    assert.equal(verifyVoteSignature(SIM_CHAIN, { ...d, round: 3 }, keys[0]!.publicKey), false);
    assert.equal(verifyVoteSignature(SIM_CHAIN, { ...d, type: 'precommit' }, keys[0]!.publicKey), false);
    assert.equal(verifyVoteSignature(SIM_CHAIN, d, keys[1]!.publicKey), false);
  }
  const v = signVote(SIM_CHAIN, { type: 'prevote', height: 5n, round: 2, blockHash: H, validator: keys[0]!.address }, keys[0]!.seed);
  const arr = [1, 5n, 2, H, keys[0]!.address, v.signature];
  assert.equal(code(() => decodeVote(encode([3, ...arr.slice(1)] as never))), 'CONSENSUS_MALFORMED');
  assert.equal(code(() => decodeVote(encode([1, 5, ...arr.slice(2)] as never))), 'CONSENSUS_MALFORMED'); // height as small int
  assert.equal(code(() => decodeVote(encode([1, 5n, 2, H.slice(1), keys[0]!.address, v.signature] as never))), 'CONSENSUS_MALFORMED');
  assert.equal(code(() => decodeVote(Uint8Array.from([...encodeVote(v), 0]))), 'CONSENSUS_MALFORMED');
  assert.equal(code(() => decodeVote(encode(arr.slice(0, 5) as never))), 'CONSENSUS_MALFORMED');
});

test('proposal: round trip with polRound -1 (nil) and 0; signature binds polRound and hash; bad polRound rejected', () => {
  for (const polRound of [-1, 0]) {
    const p = signProposal(SIM_CHAIN, { height: 3n, round: 1, polRound, blockHash: H, block: Uint8Array.of(1, 2, 3), proposer: keys[2]!.address }, keys[2]!.seed);
    const d = decodeProposal(encodeProposal(p));
    assert.deepEqual(d, p);
    assert.equal(verifyProposalSignature(SIM_CHAIN, d, keys[2]!.publicKey), true);
    assert.equal(verifyProposalSignature(SIM_CHAIN, { ...d, polRound: polRound + 1 }, keys[2]!.publicKey), false);
    assert.equal(verifyProposalSignature(SIM_CHAIN, { ...d, blockHash: sha256(H) }, keys[2]!.publicKey), false);
  }
  assert.equal(bytesToHex(proposalSigningBytes(SIM_CHAIN, { height: 3n, round: 1, polRound: -1, blockHash: H })),
    bytesToHex(encode(['polchain/proposal/v1', SIM_CHAIN, 3n, 1, null, H])));
  const bad = { height: 3n, round: 1, polRound: 1, blockHash: H, block: Uint8Array.of(1), proposer: keys[2]!.address, signature: new Uint8Array(64) };
  assert.equal(code(() => decodeProposal(encodeProposal(bad))), 'CONSENSUS_MALFORMED');
});

test('commit: round trip; verifies with +2/3 power; fails below 2/3, unsorted, duplicated, forged or for another block', () => {
  const pc = (i: number, hash = H) => signVote(SIM_CHAIN, { type: 'precommit', height: 9n, round: 1, blockHash: hash, validator: keys[i]!.address }, keys[i]!.seed);
  const c = commitFromVotes(9n, 1, H, [pc(3), pc(1), pc(2)]); // power 4+2+3 = 9 of 10
  assert.deepEqual(decodeCommit(encodeCommit(c)), c);
  assert.equal(verifyCommit(SIM_CHAIN, set, c, { height: 9n, blockHash: H }), 9n);
  const low = commitFromVotes(9n, 1, H, [pc(3), pc(2)]); // 7 of 10 > 2/3
  assert.equal(verifyCommit(SIM_CHAIN, set, low), 7n);
  const tooLow = commitFromVotes(9n, 1, H, [pc(3), pc(1)]); // 6 of 10
  assert.equal(code(() => verifyCommit(SIM_CHAIN, set, tooLow)), 'COMMIT_INVALID');
  assert.equal(code(() => verifyCommit(SIM_CHAIN, set, { ...c, signatures: [...c.signatures].reverse() })), 'COMMIT_INVALID');
  assert.equal(code(() => verifyCommit(SIM_CHAIN, set, { ...c, signatures: [c.signatures[0]!, c.signatures[0]!, c.signatures[1]!] })), 'COMMIT_INVALID');
  assert.equal(code(() => verifyCommit(SIM_CHAIN, set, { ...c, round: 2 })), 'COMMIT_INVALID');
  assert.equal(code(() => verifyCommit(SIM_CHAIN, set, c, { blockHash: sha256(H) })), 'COMMIT_INVALID');
  assert.equal(code(() => verifyCommit(SIM_CHAIN, set, c, { height: 8n })), 'COMMIT_INVALID');
});

test('evidence: canonical order, round trip, verification; non-conflicting, cross-validator or forged pairs rejected', () => {
  const k = keys[1]!;
  const a = signVote(SIM_CHAIN, { type: 'prevote', height: 4n, round: 0, blockHash: H, validator: k.address }, k.seed);
  const b = signVote(SIM_CHAIN, { type: 'prevote', height: 4n, round: 0, blockHash: null, validator: k.address }, k.seed);
  const e1 = makeDuplicateVoteEvidence(a, b), e2 = makeDuplicateVoteEvidence(b, a);
  assert.equal(bytesToHex(encodeEvidence(e1)), bytesToHex(encodeEvidence(e2)));
  const keyOf = (addr: Uint8Array) => getValidator(set, addr)?.consensusKey;
  assert.equal(bytesToHex(verifyDuplicateVoteEvidence(SIM_CHAIN, decodeEvidence(encodeEvidence(e1)), keyOf)), bytesToHex(k.address));
  assert.equal(code(() => verifyDuplicateVoteEvidence(SIM_CHAIN, { voteA: e1.voteB, voteB: e1.voteA }, keyOf)), 'EVIDENCE_INVALID');
  assert.equal(code(() => verifyDuplicateVoteEvidence(SIM_CHAIN, makeDuplicateVoteEvidence(a, { ...a, round: 1 }), keyOf)), 'EVIDENCE_INVALID');
  const other = signVote(SIM_CHAIN, { type: 'prevote', height: 4n, round: 0, blockHash: null, validator: keys[2]!.address }, keys[2]!.seed);
  assert.equal(code(() => verifyDuplicateVoteEvidence(SIM_CHAIN, makeDuplicateVoteEvidence(a, other), keyOf)), 'EVIDENCE_INVALID');
  const forged = { ...b, signature: signVote(SIM_CHAIN, b, keys[2]!.seed).signature };
  assert.equal(code(() => verifyDuplicateVoteEvidence(SIM_CHAIN, makeDuplicateVoteEvidence(a, forged), keyOf)), 'EVIDENCE_INVALID');
  const same = signVote(SIM_CHAIN, { type: 'prevote', height: 4n, round: 0, blockHash: H, validator: k.address }, k.seed);
  assert.equal(code(() => verifyDuplicateVoteEvidence(SIM_CHAIN, makeDuplicateVoteEvidence(a, { ...same, signature: new Uint8Array(64) }), keyOf)), 'EVIDENCE_INVALID');
  assert.equal(code(() => verifyDuplicateVoteEvidence(SIM_CHAIN, e1, () => undefined)), 'EVIDENCE_INVALID');
});
