// Scenario tests of the pure state machine over an in-memory network (no timers, no IO).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SimNet, SIM_CHAIN, readSimBlock, simBlock } from './testkit.ts';
import { decodeCommit, verifyCommit } from './commit.ts';
import { proposer } from './validator-set.ts';
import type { ConsensusEvent } from './events.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const equal4 = [10n, 10n, 10n, 10n];

test('full round: 4 validators commit heights 1..3 in round 0, same blocks, commits carried in the next block', () => {
  const net = new SimNet({ powers: equal4, maxHeight: 3n });
  net.start();
  const agreed = net.agreed();
  assert.deepEqual([...agreed.keys()], [1n, 2n, 3n]);
  for (const n of net.nodes) {
    assert.equal(n.commits.size, 3);
    for (const h of [1n, 2n, 3n]) {
      const c = n.commits.get(h)!;
      assert.equal(c.round, 0);
      assert.equal(c.commit.height, h);
      // the proposer of (h, 0) built it
      assert.equal(bytesToHex(readSimBlock(c.block).proposer), bytesToHex(proposer(net.setAt(h), 0).address));
      assert.ok(verifyCommit(SIM_CHAIN, net.setAt(h), c.commit, { height: h }) * 3n > 80n);
    }
    assert.equal(n.timers.every((t) => t.step === 'propose'), true, 'only propose timers (never needed) were scheduled');
  }
  // the block of height 2 carries a commit for height 1's block
  const b2 = readSimBlock(net.nodes[0]!.commits.get(2n)!.block);
  const last = decodeCommit(b2.lastCommit!);
  assert.equal(last.height, 1n);
  assert.equal(bytesToHex(last.blockHash), agreed.get(1n));
  // rotating proposer: heights 1..3 had three different proposers
  const props = new Set([1n, 2n, 3n].map((h) => bytesToHex(readSimBlock(net.nodes[0]!.commits.get(h)!.block).proposer)));
  assert.equal(props.size, 3);
  assert.equal(net.nodes.every((n) => n.effects.every((e) => e.type !== 'rejected' || e.code === 'VOTE_WRONG_HEIGHT')), true);
});

test('nil round when the proposer is down: round 0 ends with nil votes, round 1 commits the next proposer\'s block', () => {
  const net = new SimNet({ powers: equal4 });
  const p0 = net.indexOf(proposer(net.setAt(1n), 0).address);
  const p1 = net.indexOf(proposer(net.setAt(1n), 1).address);
  assert.notEqual(p0, p1);
  net.down(p0);
  net.start();
  assert.equal(net.agreed().size, 0, 'nothing can commit before timeoutPropose');
  assert.ok(net.runUntil(() => net.nodes.filter((n) => n.up).every((n) => n.commits.has(1n))));
  for (const n of net.nodes.filter((x) => x.up)) {
    const c = n.commits.get(1n)!;
    assert.equal(c.round, 1);
    assert.equal(bytesToHex(readSimBlock(c.block).proposer), bytesToHex(net.nodes[p1]!.key.address));
    // round 0: every live validator prevoted and precommitted nil
    const r0 = n.state.tally(0, 'prevote').votes;
    assert.equal(r0.length, 3);
    assert.ok(r0.every((v) => v.blockHash === null));
    assert.ok(n.state.tally(0, 'precommit').votes.every((v) => v.blockHash === null));
  }
  net.agreed();
});

test('weighted power: losing 30% of the power still commits; losing 40% halts', () => {
  const powers = [4n, 3n, 2n, 1n];
  const ok = new SimNet({ powers });
  const i3 = powers.indexOf(3n);
  ok.down(i3);
  ok.start();
  assert.ok(ok.runUntil(() => ok.nodes.filter((n) => n.up).every((n) => n.commits.has(1n))));
  const halt = new SimNet({ powers });
  halt.down(powers.indexOf(4n));
  halt.start();
  assert.equal(halt.runUntil(() => halt.agreed().size > 0, 20), false);
});

test('halt with more than 1/3 of the power offline, resume when it returns; same block everywhere', () => {
  const net = new SimNet({ powers: equal4 });
  net.start();
  assert.equal(net.agreed().size, 1);
  // height 2: two of four validators (50% of the power) go offline, the round-0 proposer among them
  const h2p0 = net.indexOf(proposer(net.setAt(2n), 0).address);
  const off = [h2p0, (h2p0 + 1) % 4];
  for (const i of off) net.down(i);
  net.startHeight(2n);
  for (let i = 0; i < 10; i++) net.fireTimeouts();
  assert.equal(net.nodes.some((n) => n.commits.has(2n)), false, 'no commit with half the power offline');
  const live = net.nodes.filter((n) => n.up);
  assert.ok(live.every((n) => n.state.height === 2n && n.state.step === 'prevote'), 'live validators wait in prevote (no +2/3 to time out on)');
  assert.ok(live.every((n) => n.timers.length === 0), 'no timer is pending while halted');
  // the offline validators come back and receive the missed gossip
  for (const i of off) net.back(i);
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.commits.has(2n))));
  assert.equal(net.agreed().size, 2);
});

test('timeouts grow per round, and a block commits in a later round (round 3)', () => {
  const net = new SimNet({ powers: equal4 });
  // proposals of rounds 0..2 are lost in the network
  net.drop = (_from, _to, ev: ConsensusEvent) => ev.type === 'proposal' && ev.proposal.round < 3;
  net.start();
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.commits.has(1n))));
  const p3 = proposer(net.setAt(1n), 3).address;
  for (const n of net.nodes) {
    const c = n.commits.get(1n)!;
    assert.equal(c.round, 3);
    assert.equal(c.commit.round, 3);
    assert.equal(bytesToHex(readSimBlock(c.block).proposer), bytesToHex(p3));
    const dur = (step: string) => n.scheduled.filter((t) => t.step === step).map((t) => [t.round, t.durationMs]);
    const isP = (r: number) => bytesToHex(proposer(net.setAt(1n), r).address) === bytesToHex(n.key.address);
    // propose: 1000 + 500 * round (the round's own proposer schedules none)
    assert.deepEqual(dur('propose'), [0, 1, 2, 3].filter((r) => !isP(r)).map((r) => [r, 1000 + 500 * r]));
    // precommit: 500 + 500 * round, in rounds 0..2 (each ended by timeoutPrecommit)
    assert.deepEqual(dur('precommit').filter(([r]) => r! < 3), [[0, 500], [1, 1000], [2, 1500]]);
    assert.deepEqual(dur('prevote').filter(([r]) => r! < 3), [[0, 500], [1, 1000], [2, 1500]]);
  }
  net.agreed();
});

test('an invalid proposal gets nil prevotes everywhere; the next round commits a valid block', () => {
  const p0 = proposer(new SimNet({ powers: equal4 }).setAt(1n), 0).address;
  const bad = bytesToHex(sha256(simBlock(1n, 0, p0, null)));
  const net = new SimNet({ powers: equal4, invalid: new Set([bad]) });
  net.start();
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.commits.has(1n))));
  for (const n of net.nodes) {
    assert.equal(n.commits.get(1n)!.round, 1);
    assert.notEqual(n.commits.get(1n)!.blockHash, bad);
    assert.ok(n.state.tally(0, 'prevote').votes.every((v) => v.blockHash === null));
  }
});

test('crash and restart with WAL replay: same round, step and lock, the same signatures again, no double-sign; the height then commits', () => {
  const net = new SimNet({ powers: equal4 });
  // every validator locks on the round-0 block, but all precommits are lost for now
  let lossy = true;
  net.drop = (_f, _t, ev) => lossy && ev.type === 'vote' && ev.vote.type === 'precommit';
  net.start();
  const n0 = net.nodes[0]!;
  assert.equal(n0.state.step, 'precommit');
  assert.equal(n0.state.lockedRound, 0);
  const before = { round: n0.state.round, step: n0.state.step, locked: bytesToHex(n0.state.lockedHash!), validRound: n0.state.validRound };
  const sent = n0.effects.flatMap((e) => (e.type === 'broadcastVote' ? [bytesToHex(e.vote.signature)] : []));
  assert.equal(sent.length, 2);
  const replay = net.restart(0);
  assert.deepEqual({ round: n0.state.round, step: n0.state.step, locked: bytesToHex(n0.state.lockedHash!), validRound: n0.state.validRound }, before);
  assert.deepEqual(replay.flatMap((e) => (e.type === 'broadcastVote' ? [bytesToHex(e.vote.signature)] : [])), sent);
  assert.equal(replay.some((e) => e.type === 'rejected' && e.code === 'DOUBLE_SIGN_REFUSED'), false);
  lossy = false;
  assert.ok(net.runUntilWithGossip(() => net.nodes.every((n) => n.commits.has(1n))));
  assert.equal(net.agreed().size, 1);
  assert.ok(net.nodes.every((n) => n.commits.get(1n)!.round === 0));
});

test('randomness beacon in every block: proposers sign, every validator verifies, all derive the same beacon chain', () => {
  const net = new SimNet({ powers: equal4, beacon: true, maxHeight: 2n });
  net.start();
  assert.deepEqual([...net.agreed().keys()], [1n, 2n]);
  const chain = (i: number) => [0n, 1n, 2n].map((h) => bytesToHex(net.nodes[i]!.beacons.get(h)!));
  for (const n of net.nodes) assert.deepEqual(chain(n.index), chain(0));
  assert.equal(new Set(chain(0)).size, 3);
  // the beacon of height 1 is sha256(genesis beacon || the height-1 proposer's BLS signature)
  const b1 = readSimBlock(net.nodes[0]!.commits.get(1n)!.block);
  assert.equal(chain(0)[1], bytesToHex(sha256(net.nodes[0]!.beacons.get(0n)!, b1.beacon!)));
});

test('a proposal whose beacon does not verify gets nil prevotes; the next proposer\'s block commits', () => {
  const probe = new SimNet({ powers: equal4 });
  const p0 = probe.indexOf(proposer(probe.setAt(1n), 0).address);
  const net = new SimNet({ powers: equal4, beacon: true, badBeaconNode: p0 });
  net.start();
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.commits.has(1n))));
  for (const n of net.nodes) {
    assert.equal(n.commits.get(1n)!.round, 1);
    assert.ok(n.state.tally(0, 'prevote').votes.every((v) => v.blockHash === null), 'every validator (the faulty proposer too) rejected it');
  }
});
