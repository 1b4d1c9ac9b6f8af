// One ed25519 verification per consensus signature per process: the inbound check, the vote set and
// the next block's last commit share it; a remembered signature never vouches for other bytes or keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { signVote, verifyVoteSignature } from './vote.ts';
import { signProposal, verifyProposalSignature } from './proposal.ts';
import { commitFromVotes, verifyCommit } from './commit.ts';
import { checkInboundVote } from './inbound-checks.ts';
import { consensusSignatureStats } from './signature-cache.ts';
import { SIM_CHAIN, scripted, simKey } from './testkit.ts';
import { sha256 } from '../primitives/index.ts';

test('a vote is verified once: inbound check, state machine and the last commit reuse the verdict', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  s.proposal(0, X);
  const precommits = s.others.map((k) => signVote(SIM_CHAIN, { type: 'precommit', height: 1n, round: 0, blockHash: sha256(X), validator: k.address }, k.seed));
  const view = { chainId: SIM_CHAIN, height: 1n, round: 0, set: s.set, maxBlockBytes: 1 << 20, hashBlock: (b: Uint8Array) => sha256(b) };
  const before = consensusSignatureStats();
  for (const v of precommits) assert.equal(checkInboundVote(view, v).verdict, 'accept');
  for (const v of precommits) s.state.handle({ type: 'vote', vote: v });
  const power = verifyCommit(SIM_CHAIN, s.set, commitFromVotes(1n, 0, sha256(X), precommits));
  assert.equal(power, 30n);
  const after = consensusSignatureStats();
  assert.equal(after.verifications - before.verifications, precommits.length, 'one verification per signature');
  assert.equal(after.hits - before.hits, 2 * precommits.length, 'the state machine and the commit reuse it');
});

test('a verified signature does not vouch for other bytes, another key or another chain', () => {
  const a = simKey(1);
  const b = simKey(2);
  const v = signVote(SIM_CHAIN, { type: 'prevote', height: 5n, round: 0, blockHash: null, validator: a.address }, a.seed);
  assert.equal(verifyVoteSignature(SIM_CHAIN, v, a.publicKey), true);
  assert.equal(verifyVoteSignature(SIM_CHAIN, v, a.publicKey), true);
  // same signature, different signed fields / chain / key: all still verified and refused
  assert.equal(verifyVoteSignature(SIM_CHAIN, { ...v, round: 1 }, a.publicKey), false);
  assert.equal(verifyVoteSignature(SIM_CHAIN, { ...v, blockHash: new Uint8Array(32) }, a.publicKey), false);
  assert.equal(verifyVoteSignature('other-chain', v, a.publicKey), false);
  assert.equal(verifyVoteSignature(SIM_CHAIN, v, b.publicKey), false);
  // a proposal with the vote's signature bytes is not accepted because the vote was
  const p = signProposal(SIM_CHAIN, { height: 5n, round: 0, polRound: -1, blockHash: sha256(new Uint8Array(1)), block: new Uint8Array(1), proposer: a.address }, a.seed);
  assert.equal(verifyProposalSignature(SIM_CHAIN, p, a.publicKey), true);
  assert.equal(verifyProposalSignature(SIM_CHAIN, { ...p, signature: v.signature }, a.publicKey), false);
  // a failed verification is not remembered as a success
  const bad = { ...v, signature: v.signature.slice() };
  bad.signature[7] ^= 1;
  assert.equal(verifyVoteSignature(SIM_CHAIN, bad, a.publicKey), false);
  assert.equal(verifyVoteSignature(SIM_CHAIN, bad, a.publicKey), false);
});
