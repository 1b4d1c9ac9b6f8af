// Invalid, duplicate and late votes are ignored; equivocation produces DuplicateVoteEvidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { signVote } from './vote.ts';
import { SIM_CHAIN, SimNet, simKey, scripted, votesOf } from './testkit.ts';
import { signProposal } from './proposal.ts';
import { VoteSet } from './vote-set.ts';
import { decodeEvidence, encodeEvidence, verifyDuplicateVoteEvidence } from './evidence.ts';
import { getValidator } from './validator-set.ts';
import type { ConsensusEffect } from './events.ts';
import type { Proposal, Vote } from './types.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const codes = (eff: ConsensusEffect[]) => eff.flatMap((e) => (e.type === 'rejected' ? [e.code] : []));

test('invalid votes are ignored: bad signature, non-validator, wrong chain, far-future round; counted power unchanged', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  s.proposal(0, X);
  const before = s.state.tally(0, 'prevote').power;
  const a = s.others[0]!;
  const good = signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: sha256(X), validator: a.address }, a.seed);
  const badSig = { ...good, signature: good.signature.slice() };
  badSig.signature[5] ^= 1;
  assert.deepEqual(codes(s.state.handle({ type: 'vote', vote: badSig })), ['VOTE_BAD_SIGNATURE']);
  // signed by a key outside the set
  const stranger = simKey(99);
  const sv = signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: sha256(X), validator: stranger.address }, stranger.seed);
  assert.deepEqual(codes(s.state.handle({ type: 'vote', vote: sv })), ['VOTE_UNKNOWN_VALIDATOR']);
  // a validator's address with someone else's signature
  const forged = signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: sha256(X), validator: a.address }, stranger.seed);
  assert.deepEqual(codes(s.state.handle({ type: 'vote', vote: forged })), ['VOTE_BAD_SIGNATURE']);
  // another chain's vote
  const other = signVote('other-chain', { type: 'prevote', height: 1n, round: 0, blockHash: sha256(X), validator: a.address }, a.seed);
  assert.deepEqual(codes(s.state.handle({ type: 'vote', vote: other })), ['VOTE_BAD_SIGNATURE']);
  const far = signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 1000, blockHash: null, validator: a.address }, a.seed);
  assert.deepEqual(codes(s.state.handle({ type: 'vote', vote: far })), ['VOTE_WRONG_ROUND']);
  assert.equal(s.state.tally(0, 'prevote').power, before);
  assert.equal(s.state.round, 0);
  // the good one counts
  assert.deepEqual(codes(s.state.handle({ type: 'vote', vote: good })), []);
  assert.equal(s.state.tally(0, 'prevote').power, before + 10n);
});

test('duplicate votes are ignored: one validator repeating its vote never makes +2/3', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  s.proposal(0, X); // we prevote X: 10 of 40
  const a = s.others[0]!;
  assert.deepEqual(codes(s.vote(a, 'prevote', 0, X)), []);
  for (let i = 0; i < 5; i++) {
    const eff = s.vote(a, 'prevote', 0, X);
    assert.deepEqual(codes(eff), ['VOTE_DUPLICATE']);
    assert.equal(eff.filter((e) => e.type !== 'rejected').length, 0);
  }
  assert.equal(s.state.tally(0, 'prevote').power, 20n);
  assert.equal(s.state.step, 'prevote');
  assert.equal(s.state.lockedRound, -1);
});

test('late votes are ignored: precommits for a height already committed, and votes from two heights ahead', () => {
  const net = new SimNet({ powers: [10n, 10n, 10n, 10n], maxHeight: 2n });
  net.start();
  const n0 = net.nodes[0]!;
  assert.equal(n0.state.height, 2n);
  const c1 = n0.commits.get(1n)!.commit;
  const k = simKey(1);
  // a precommit for height 1 (valid, just late)
  const late = signVote(SIM_CHAIN, { type: 'precommit', height: 1n, round: 0, blockHash: c1.blockHash, validator: k.address }, k.seed);
  assert.deepEqual(codes(n0.state.handle({ type: 'vote', vote: late })), ['VOTE_WRONG_HEIGHT']);
  const early = signVote(SIM_CHAIN, { type: 'prevote', height: 4n, round: 0, blockHash: null, validator: k.address }, k.seed);
  assert.deepEqual(codes(n0.state.handle({ type: 'vote', vote: early })), ['VOTE_WRONG_HEIGHT']);
  assert.equal(n0.state.height, 2n);
  assert.equal(n0.state.step, 'commit');
});

test('votes for the next height arriving early are kept and counted when that height starts', () => {
  const s = scripted();
  const X = s.block(1);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  const eff = s.votes(s.others, 'prevote', 0, X).concat(); // height 1, no effect on power beyond these
  assert.equal(codes(eff).length, 0);
  const k = s.others[0]!;
  const next = signVote(SIM_CHAIN, { type: 'prevote', height: 2n, round: 0, blockHash: null, validator: k.address }, k.seed);
  assert.deepEqual(s.state.handle({ type: 'vote', vote: next }), []);
  s.state.handle({ type: 'startHeight', height: 2n, validatorSet: s.set });
  assert.equal(s.state.tally(0, 'prevote').power, 10n);
});

test('equivocation: two different prevotes from one validator yield evidence naming it; only the first counts', () => {
  const s = scripted();
  const X = s.block(1), Y = s.block(2);
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  const cheat = s.others[1]!;
  assert.deepEqual(codes(s.vote(cheat, 'prevote', 0, X)), []);
  const eff = s.vote(cheat, 'prevote', 0, Y);
  assert.deepEqual(codes(eff), ['VOTE_CONFLICT']);
  const ev = eff.find((e) => e.type === 'evidence');
  assert.ok(ev && ev.type === 'evidence');
  const keyOf = (a: Uint8Array) => getValidator(s.set, a)?.consensusKey;
  assert.equal(bytesToHex(verifyDuplicateVoteEvidence(SIM_CHAIN, ev.evidence, keyOf)), bytesToHex(cheat.address));
  const round = decodeEvidence(encodeEvidence(ev.evidence));
  assert.equal(bytesToHex(verifyDuplicateVoteEvidence(SIM_CHAIN, round, keyOf)), bytesToHex(cheat.address));
  const tally = s.state.tally(0, 'prevote');
  assert.equal(tally.power, 10n);
  assert.equal(bytesToHex(tally.votes[0]!.blockHash!), bytesToHex(sha256(X)));
  // the same conflict again: no second evidence effect
  const again = s.vote(cheat, 'prevote', 0, Y);
  assert.equal(again.filter((e) => e.type === 'evidence').length, 0);
  // a nil vote after a block vote is also a conflict
  assert.equal(s.vote(cheat, 'prevote', 0, null).filter((e) => e.type === 'evidence').length, 1);
});

test('equivocation in a network: a validator sends a nil prevote and a block prevote; the receivers report it, honest nodes agree', () => {
  const net = new SimNet({ powers: [10n, 10n, 10n, 10n] });
  const byz = 3;
  const byzKey = net.nodes[byz]!.key;
  // nodes 0 and 1 first get a conflicting nil prevote from the byzantine validator, then its real one
  net.drop = (from, to, ev) => {
    if (from === byz && ev.type === 'vote' && ev.vote.type === 'prevote' && ev.vote.blockHash !== null && (to === 0 || to === 1)) {
      const evil: Vote = signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: ev.vote.round, blockHash: null, validator: byzKey.address }, byzKey.seed);
      net.input(to, { type: 'vote', vote: evil });
    }
    return false;
  };
  net.start();
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.commits.has(1n))));
  assert.equal(net.agreed().size, 1);
  const keyOf = (a: Uint8Array) => getValidator(net.genesis, a)?.consensusKey;
  for (const n of net.nodes) {
    const evs = n.effects.flatMap((e) => (e.type === 'evidence' ? [e.evidence] : []));
    assert.equal(evs.length, n.index === 0 || n.index === 1 ? 1 : 0);
    for (const e of evs) assert.equal(bytesToHex(verifyDuplicateVoteEvidence(SIM_CHAIN, e, keyOf)), bytesToHex(byzKey.address));
  }
});

test('VoteSet: power tally, +2/3 and 1/3 thresholds in bigint, majority value, wrong height/round rejected', () => {
  const s = scripted();
  const vs = new VoteSet(SIM_CHAIN, s.set, 1n, 0, 'prevote');
  const h = sha256(Uint8Array.of(1));
  const v = (i: number, hash: Uint8Array | null, round = 0, height = 1n) =>
    signVote(SIM_CHAIN, { type: 'prevote', height, round, blockHash: hash, validator: s.keys[i]!.address }, s.keys[i]!.seed);
  assert.equal(vs.add(v(0, h)).status, 'added');
  assert.equal(vs.hasOneThirdAny(), false);
  assert.equal(vs.add(v(1, h)).status, 'added');
  assert.equal(vs.hasOneThirdAny(), true);
  assert.equal(vs.hasTwoThirdsAny(), false);
  assert.equal(vs.add(v(2, null)).status, 'added');
  assert.equal(vs.hasTwoThirdsAny(), true);
  assert.equal(vs.twoThirdsMajority(), undefined);
  assert.equal(vs.add(v(3, h)).status, 'added');
  assert.equal(bytesToHex(vs.twoThirdsMajority()!.hash!), bytesToHex(h));
  assert.equal(vs.powerFor(h), 30n);
  assert.equal(vs.powerFor(null), 10n);
  assert.throws(() => vs.add(v(0, h, 1)), (e: any) => e.code === 'VOTE_WRONG_ROUND');
  assert.throws(() => vs.add(v(0, h, 0, 2n)), (e: any) => e.code === 'VOTE_WRONG_HEIGHT');
});

test('invalid proposals are ignored: wrong proposer, bad signature, hash not matching the block, a second proposal', () => {
  const s = scripted();
  s.state.handle({ type: 'startHeight', height: 1n, validatorSet: s.set });
  const X = s.block(1), Y = s.block(2);
  const P0 = s.P(0), P1 = s.P(1);
  const base = { height: 1n, round: 0, polRound: -1, blockHash: sha256(X), block: X };
  const feed = (p: Proposal) => s.state.handle({ type: 'proposal', proposal: p });
  assert.deepEqual(codes(feed(signProposal(SIM_CHAIN, { ...base, proposer: P1.address }, P1.seed))), ['PROPOSAL_WRONG_PROPOSER']);
  assert.deepEqual(codes(feed({ ...signProposal(SIM_CHAIN, { ...base, proposer: P0.address }, P1.seed) })), ['PROPOSAL_BAD_SIGNATURE']);
  assert.deepEqual(codes(feed(signProposal(SIM_CHAIN, { ...base, block: Y, proposer: P0.address }, P0.seed))), ['PROPOSAL_BAD_HASH']);
  assert.deepEqual(codes(feed(signProposal(SIM_CHAIN, { ...base, height: 3n, proposer: P0.address }, P0.seed))), ['PROPOSAL_WRONG_HEIGHT']);
  assert.equal(s.state.step, 'propose', 'none of them was acted on');
  const good = feed(signProposal(SIM_CHAIN, { ...base, proposer: P0.address }, P0.seed));
  assert.equal(votesOf(good)[0]!.blockHash !== null, true);
  const second = feed(signProposal(SIM_CHAIN, { ...base, blockHash: sha256(Y), block: Y, proposer: P0.address }, P0.seed));
  assert.deepEqual(codes(second), ['PROPOSAL_DUPLICATE']);
});

test('VoteSet maj23 claim: after a claim for B, a conflicting vote for B counts towards B (not towards the total); other conflicts still do not', () => {
  const s = scripted();
  const A = sha256(Uint8Array.of(1)), B = sha256(Uint8Array.of(2)), C = sha256(Uint8Array.of(3));
  const v = (i: number, hash: Uint8Array | null) => signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: hash, validator: s.keys[i]!.address }, s.keys[i]!.seed);
  const vs = new VoteSet(SIM_CHAIN, s.set, 1n, 0, 'prevote');
  vs.add(v(0, A)); // the equivocator showed us A first
  vs.add(v(1, B));
  vs.add(v(2, B));
  assert.equal(vs.hasTwoThirdsFor(B), false);
  assert.equal(vs.add(v(0, C)).status, 'conflict');
  assert.equal(vs.powerFor(C), 0n);
  vs.claimMaj23(B);
  const r = vs.add(v(0, B));
  assert.equal(r.status, 'conflict');
  assert.equal(vs.powerFor(B), 30n);
  assert.equal(vs.hasTwoThirdsFor(B), true);
  assert.equal(vs.power, 30n, 'the any-total counts each validator once');
  assert.equal(vs.add(v(0, B)).status, 'duplicate');
  assert.equal(vs.votesFor(B).length, 3);
  assert.equal(bytesToHex(vs.twoThirdsMajority()!.hash!), bytesToHex(B));
});
