// Locking rules of Algorithm 1 driven message by message on one validator (the others are scripted).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { ConsensusEffect } from './events.ts';
import { SIM_CHAIN, scripted, votesOf } from './testkit.ts';
import { signVote } from './vote.ts';
import { commitFromVotes } from './commit.ts';
import type { VoteType } from './types.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const myVote = (eff: ConsensusEffect[], type: VoteType) => votesOf(eff).filter((v) => v.type === type);
const hashOf = (b: Uint8Array | null) => (b ? bytesToHex(sha256(b)) : null);
const voteHash = (eff: ConsensusEffect[], type: VoteType) => {
  const vs = myVote(eff, type);
  assert.equal(vs.length, 1, `expected one own ${type}, got ${vs.length}`);
  return vs[0]!.blockHash ? bytesToHex(vs[0]!.blockHash) : null;
};

/** Round 0: proposal X, polka for X seen only by us: we lock X at round 0; then round 0 ends with nil precommits. */
function lockOnXInRound0(s: ReturnType<typeof scripted>) {
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  assert.equal(voteHash(s.proposal(0, X), 'prevote'), hashOf(X));
  const eff = s.votes(s.others.slice(0, 2), 'prevote', 0, X);
  assert.equal(voteHash(eff, 'precommit'), hashOf(X));
  assert.equal(s.state.lockedRound, 0);
  assert.equal(bytesToHex(s.state.lockedHash!), hashOf(X));
  assert.equal(s.state.validRound, 0);
  const pc = s.votes(s.others.slice(0, 2), 'precommit', 0, null);
  const t = pc.find((e) => e.type === 'scheduleTimeout');
  assert.deepEqual(t && { step: t.step, round: t.round }, { step: 'precommit', round: 0 });
  const next = s.state.handle({ type: 'timeout', height: 1n, round: 0, step: 'precommit' });
  assert.ok(next.some((e) => e.type === 'enterRound' && e.round === 1));
  return X;
}

test('lock: a validator locked on X prevotes nil for another block proposed without a proof-of-lock', () => {
  const s = scripted();
  const X = lockOnXInRound0(s);
  const Y = s.block(2);
  assert.equal(voteHash(s.proposal(1, Y), 'prevote'), null);
  assert.equal(bytesToHex(s.state.lockedHash!), hashOf(X));
  assert.equal(s.state.lockedRound, 0);
});

test('lock: a validator locked on X prevotes X again when X is re-proposed', () => {
  const s = scripted();
  const X = lockOnXInRound0(s);
  assert.equal(voteHash(s.proposal(1, X, 0), 'prevote'), hashOf(X));
});

test('relock: +2/3 prevotes for Y in a later round move the lock from X to Y and the validator precommits Y', () => {
  const s = scripted();
  lockOnXInRound0(s);
  const Y = s.block(2);
  assert.equal(voteHash(s.proposal(1, Y), 'prevote'), null);
  const eff = s.votes(s.others, 'prevote', 1, Y);
  assert.equal(voteHash(eff, 'precommit'), hashOf(Y));
  assert.equal(s.state.lockedRound, 1);
  assert.equal(bytesToHex(s.state.lockedHash!), hashOf(Y));
  assert.equal(s.state.validRound, 1);
  const done = s.votes(s.others.slice(0, 2), 'precommit', 1, Y);
  const c = done.find((e) => e.type === 'commitBlock');
  assert.ok(c && c.type === 'commitBlock');
  assert.equal(c.round, 1);
  assert.equal(bytesToHex(c.blockHash), hashOf(Y));
  assert.equal(c.commit.signatures.length, 3);
});

test('unlock by proof-of-lock-change: a proposal of Y with polRound 1 and +2/3 prevotes for Y at round 1 frees a lock from round 0', () => {
  const s = scripted();
  const X = lockOnXInRound0(s);
  const Y = s.block(2);
  // round 1: no proposal reaches us; the others prevote Y (we cannot act on it: no proposal), we time out
  const t1 = s.state.handle({ type: 'timeout', height: 1n, round: 1, step: 'propose' });
  assert.equal(voteHash(t1, 'prevote'), null);
  const pv = s.votes(s.others, 'prevote', 1, Y);
  assert.ok(pv.some((e) => e.type === 'scheduleTimeout' && e.step === 'prevote' && e.durationMs === 1000));
  assert.equal(voteHash(s.state.handle({ type: 'timeout', height: 1n, round: 1, step: 'prevote' }), 'precommit'), null);
  s.votes(s.others.slice(0, 2), 'precommit', 1, null);
  const r2 = s.state.handle({ type: 'timeout', height: 1n, round: 1, step: 'precommit' });
  assert.ok(r2.some((e) => e.type === 'enterRound' && e.round === 2));
  assert.equal(s.state.lockedRound, 0, 'still locked on X');
  assert.equal(bytesToHex(s.state.lockedHash!), hashOf(X));
  // round 2: Y re-proposed with the proof-of-lock from round 1 -> we prevote Y although locked on X
  assert.equal(voteHash(s.proposal(2, Y, 1), 'prevote'), hashOf(Y));
  // and when round 2 gets its own polka for Y we lock Y at round 2 and the block commits
  const eff = s.votes(s.others.slice(0, 2), 'prevote', 2, Y);
  assert.equal(voteHash(eff, 'precommit'), hashOf(Y));
  assert.equal(s.state.lockedRound, 2);
  const c = s.votes(s.others.slice(0, 2), 'precommit', 2, Y).find((e) => e.type === 'commitBlock');
  assert.ok(c && c.type === 'commitBlock' && c.round === 2 && bytesToHex(c.blockHash) === hashOf(Y));
});

test('a proof-of-lock round without the +2/3 prevotes behind it does not unlock', () => {
  const s = scripted();
  lockOnXInRound0(s);
  const Y = s.block(2);
  // claims polRound 0, but round 0's polka was for X: we wait, then prevote nil on timeoutPropose
  assert.equal(myVote(s.proposal(1, Y, 0), 'prevote').length, 0);
  assert.equal(voteHash(s.state.handle({ type: 'timeout', height: 1n, round: 1, step: 'propose' }), 'prevote'), null);
});

test('a proposer with a valid value re-proposes it with validRound as polRound', () => {
  // the validator under test proposes in round 3; make it see a polka for X at round 0 first
  const s = scripted();
  const X = lockOnXInRound0(s);
  for (const r of [1, 2]) {
    s.state.handle({ type: 'timeout', height: 1n, round: r, step: 'propose' });
    s.votes(s.others, 'prevote', r, null);
    s.votes(s.others, 'precommit', r, null);
    const eff = s.state.handle({ type: 'timeout', height: 1n, round: r, step: 'precommit' });
    if (r === 2) {
      const p = eff.find((e) => e.type === 'broadcastProposal');
      assert.ok(p && p.type === 'broadcastProposal');
      assert.equal(p.proposal.round, 3);
      assert.equal(p.proposal.polRound, 0);
      assert.equal(bytesToHex(p.proposal.blockHash), hashOf(X));
      assert.equal(voteHash(eff, 'prevote'), hashOf(X));
    }
  }
});

test('round skip: votes from a higher round by more than 1/3 of the power move the validator to that round, 1/3 or less does not', () => {
  const s = scripted();
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  const [a, b] = s.others as [typeof s.me, typeof s.me];
  // 10 of 40: not enough
  assert.equal(s.vote(a, 'prevote', 5, null).some((e) => e.type === 'enterRound'), false);
  assert.equal(s.state.round, 0);
  // a second validator's precommit in round 5: 20 of 40 > 1/3 (prevotes and precommits count together, per validator)
  const eff = s.vote(b, 'precommit', 5, null);
  const enter = eff.find((e) => e.type === 'enterRound');
  assert.ok(enter && enter.type === 'enterRound' && enter.round === 5);
  assert.equal(s.state.round, 5);
  assert.equal(s.state.step, 'propose');
  const t = eff.find((e) => e.type === 'scheduleTimeout');
  assert.ok(t && t.type === 'scheduleTimeout' && t.step === 'propose' && t.round === 5 && t.durationMs === 1000 + 5 * 500);
  // the same validator voting twice in a round does not count twice
  const s2 = scripted();
  s2.state.handle({ type: 'startHeight', height: 1n, validatorSet: s2.set });
  s2.vote(a, 'prevote', 3, null);
  s2.vote(a, 'precommit', 3, null);
  assert.equal(s2.state.round, 0);
});

test('+2/3 nil prevotes make the validator precommit nil at once (no timeout needed)', () => {
  const s = scripted();
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  assert.equal(voteHash(s.state.handle({ type: 'timeout', height: 1n, round: 0, step: 'propose' }), 'prevote'), null);
  assert.equal(myVote(s.vote(s.others[0]!, 'prevote', 0, null), 'precommit').length, 0);
  const eff = s.vote(s.others[1]!, 'prevote', 0, null);
  assert.equal(voteHash(eff, 'precommit'), null);
  assert.equal(s.state.step, 'precommit');
});

test('commit of an earlier round: +2/3 precommits for round 0 decide even after the validator moved to round 2', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  s.proposal(0, X);
  s.votes(s.others.slice(0, 2), 'prevote', 2, null); // f+1 in round 2: skip there
  assert.equal(s.state.round, 2);
  assert.equal(s.votes(s.others.slice(0, 2), 'precommit', 0, X).some((e) => e.type === 'commitBlock'), false);
  const c = s.vote(s.others[2]!, 'precommit', 0, X).find((e) => e.type === 'commitBlock');
  assert.ok(c && c.type === 'commitBlock');
  assert.equal(c.round, 0);
  assert.equal(c.commit.round, 0);
  assert.equal(bytesToHex(c.blockHash), hashOf(X));
  assert.equal(s.state.step, 'commit');
  // a block it has never seen: missingBlock, no commit
  const s2 = scripted();
  s2.state.handle({ type: 'startHeight', height: 1n, validatorSet: s2.set });
  const m = s2.votes(s2.others, 'precommit', 0, X).find((e) => e.type === 'missingBlock');
  assert.ok(m && m.type === 'missingBlock' && bytesToHex(m.blockHash) === hashOf(X));
  assert.notEqual(s2.state.step, 'commit');
});

test('+2/3 precommits for a block this validator finds invalid do not make it commit', () => {
  const probe = scripted();
  const X = probe.block(1);
  const s = scripted(4, new Set([hashOf(X)!]));
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  assert.equal(voteHash(s.proposal(0, X), 'prevote'), null);
  const eff = s.votes(s.others, 'precommit', 0, X);
  assert.equal(eff.some((e) => e.type === 'commitBlock'), false);
  assert.notEqual(s.state.step, 'commit');
});

test('catch-up: a verified commit for the current height decides; a commit without +2/3 or for another block is rejected', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  const pcs = s.others.map((k) => signVote(SIM_CHAIN, { type: 'precommit', height: 1n, round: 4, blockHash: sha256(X), validator: k.address }, k.seed));
  const weak = commitFromVotes(1n, 4, sha256(X), pcs.slice(0, 2));
  const rej = s.state.handle({ type: 'commit', commit: weak, block: X });
  assert.ok(rej.some((e) => e.type === 'rejected' && e.code === 'COMMIT_INVALID'));
  const full = commitFromVotes(1n, 4, sha256(X), pcs);
  const wrongBlock = s.state.handle({ type: 'commit', commit: full, block: s.block(2) });
  assert.ok(wrongBlock.some((e) => e.type === 'rejected' && e.code === 'COMMIT_INVALID'));
  assert.equal(s.state.step, 'propose');
  const ok = s.state.handle({ type: 'commit', commit: full, block: X });
  const c = ok.find((e) => e.type === 'commitBlock');
  assert.ok(c && c.type === 'commitBlock' && c.round === 4 && bytesToHex(c.blockHash) === hashOf(X));
  assert.equal(s.state.step, 'commit');
});

test('block sync after missingBlock: the asked-for block completes the decision, any other block is refused', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  assert.ok(s.votes(s.others, 'precommit', 0, X).some((e) => e.type === 'missingBlock'));
  const other = s.state.handle({ type: 'block', height: 1n, block: s.block(2) });
  assert.ok(other.some((e) => e.type === 'rejected'));
  const done = s.state.handle({ type: 'block', height: 1n, block: X });
  const c = done.find((e) => e.type === 'commitBlock');
  assert.ok(c && c.type === 'commitBlock' && c.commit.signatures.length === 3);
});
