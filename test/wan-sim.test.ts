// The real consensus engine with 100 validators on a simulated WAN (50-200 ms links, jitter, 1% loss):
// it commits, and never two blocks at one height, with all validators up and with 33 of them
// silent; with 34 silent (a third of the power) it cannot commit. See test/helpers/wan-sim.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { WanSim, WAN_CHAIN, transferBytes } from './helpers/wan-sim.ts';
import { summarize } from './helpers/wan-report.ts';
import { arrayHeaderBytes, binBytes, responseFrameBytes, varintBytes } from './helpers/wan-model.ts';
import { encodeItems, encodeRangeRequest, encodeVarint } from '../node/p2p/index.ts';
import { decodeCanonical, encode, type Encodable } from '../vm/index.ts';
import { encodeCommit, encodeProposal, encodeVote, getValidator, proposer, verifyCommit } from '../consensus/index.ts';
import { bytesToHex } from '../primitives/index.ts';

/** Every live validator committed heights 1..h, the same block each, each commit signed by +2/3 of that height's set. */
function assertSafeAndCommitted(sim: WanSim, h: number): void {
  const s = summarize(sim);
  assert.deepEqual(s.forks, [], 'no validator saw two different blocks committed at one height');
  assert.equal(s.agreed, true);
  assert.equal(s.heights, h);
  for (let height = 1n; height <= BigInt(h); height++) {
    const hashes = new Set(sim.live.map((i) => sim.nodes[i]!.commits.get(height)!.hash));
    assert.equal(hashes.size, 1, `one block at height ${height}`);
    for (const i of sim.live) {
      const c = sim.nodes[i]!.commits.get(height)!.commit;
      assert.ok(verifyCommit(WAN_CHAIN, sim.setAt(height), c, { height }) * 3n > sim.setAt(height).totalPower * 2n);
    }
  }
}

test('100 validators under the WAN delay model (50-200 ms, jitter, 1% loss): every height commits, one block per height everywhere', () => {
  const sim = new WanSim({ validators: 100, heights: 3, seed: 7 });
  assert.equal(sim.run(), true, 'every validator committed the three heights within the virtual time bound');
  assertSafeAndCommitted(sim, 3);
  const s = summarize(sim);
  assert.equal(s.roundsMax, 1, 'all up: every height decides in round 0');
  // the delay model is in force: messages were lost, and a commit takes at least a few one-way delays
  const { sentMsgs, lost } = s.perValidatorHeight;
  assert.ok(lost > sentMsgs * 0.005 && lost < sentMsgs * 0.015, `about 1% of ${sentMsgs} transmissions lost (${lost})`);
  assert.ok(s.virtualS > 3 * 0.15 + 2 * 0.5, `virtual time ${s.virtualS} s covers the network delays and the commit wait`);
});

test('100 validators with 33 silent (1/3 - 1): still commits, the silent proposer\'s round ends in a nil round, no safety violation', () => {
  const sim = new WanSim({ validators: 100, silent: 33, heights: 2, seed: 7 });
  const p0 = sim.nodes.findIndex((n) => bytesToHex(n.address) === bytesToHex(proposer(sim.setAt(1n), 0).address));
  assert.ok(p0 < 33, 'height 1\'s round-0 proposer is one of the silent validators');
  assert.equal(sim.run(), true);
  assertSafeAndCommitted(sim, 2);
  assert.equal(sim.nodes[sim.live[0]!]!.commits.get(1n)!.round, 1, 'height 1 committed in round 1, after the silent proposer\'s timeout');
  for (let i = 0; i < 33; i++) assert.equal(sim.nodes[i]!.committed, 0n);
  // the commits carry only live validators' precommits: 67 of 100 is just over 2/3
  for (const i of sim.live) {
    const c = sim.nodes[i]!.commits.get(1n)!.commit;
    assert.ok(c.signatures.every((sg) => sim.live.includes(sim.nodes.findIndex((n) => bytesToHex(n.address) === bytesToHex(sg.validator)))));
    assert.ok(getValidator(sim.setAt(1n), c.signatures[0]!.validator));
  }
});

test('the silent count is real: 100 validators with 34 silent (a third of the power) commit nothing', () => {
  const sim = new WanSim({ validators: 100, silent: 34, heights: 1, seed: 7, limitMs: 20_000 });
  assert.equal(sim.run(), false);
  assert.ok(sim.doneAtUs >= 19_000_000, 'the run went to its bound');
  assert.ok(sim.nodes.every((n) => n.committed === 0n));
  // 66 live validators hold 660 of 1000: not more than 2/3, so not even a nil round completes
  assert.ok(sim.live.every((i) => sim.nodes[i]!.engine.height === 1n && sim.nodes[i]!.engine.step === 'prevote'));
  assert.deepEqual(sim.forks, []);
});

test('wire sizes: the sizes the simulation counts are the real encodings; a run is reproducible from its seed; a fork would be seen', () => {
  const run = (seed: number) => { const s = new WanSim({ validators: 4, heights: 3, seed, blockTxs: 10 }); s.run(); return s; };
  const a = run(3), b = run(3), c = run(4);
  assert.deepEqual(summarize(a), summarize(b));
  assert.notEqual(summarize(a).virtualS, summarize(c).virtualS);
  // the agreement check is not vacuous: one validator holding another block at height 2 is a fork
  const tampered = run(3);
  tampered.nodes[1]!.commits.get(2n)!.hash = '00'.repeat(32);
  assert.equal(summarize(tampered).agreed, false);
  assert.throws(() => assertSafeAndCommitted(tampered, 3));
  const node = a.nodes[0]!;
  const d = node.commits.get(2n)!;
  // a block-sync item is encode([block, commit])
  assert.equal(encode([d.block, encodeCommit(d.commit)]).length, 1 + binBytes(d.block.length) + binBytes(encodeCommit(d.commit).length));
  // a catch-up answer is encode([proposals, votes]) in a response frame
  const votes = d.commit.signatures.map((sg) => ({ type: 'precommit' as const, height: 2n, round: d.round, blockHash: d.commit.blockHash, validator: sg.validator, signature: sg.signature }));
  for (const v of votes) assert.equal(a.size(v), encodeVote(v).length);
  const prop = { height: 2n, round: 0, polRound: -1, blockHash: d.commit.blockHash, block: d.block, proposer: new Uint8Array(20), signature: new Uint8Array(64) };
  assert.equal(a.size(prop), encodeProposal(prop).length);
  // a compact proposal (what is gossiped) is the block without its transfers plus 32 bytes per transfer
  const [tag, height, round, proposerAddr, last] = decodeCanonical(d.block, 'block') as Encodable[];
  const skeleton = encode([tag!, height!, round!, proposerAddr!, last!, new Uint8Array(0)]);
  assert.equal(a.compactSize(prop), encode([prop.height, prop.round, null, prop.blockHash, skeleton, new Uint8Array(32 * 10), prop.proposer, prop.signature]).length);
  assert.ok(a.size(prop) - a.compactSize(prop) >= 10 * (transferBytes().length - 32) - 8, 'each transfer saves its bytes less 32');
  const real = encode([[encodeProposal(prop)], votes.map(encodeVote)]).length;
  assert.equal(1 + arrayHeaderBytes(1) + arrayHeaderBytes(votes.length) + binBytes(encodeProposal(prop).length) + votes.reduce((x, v) => x + binBytes(encodeVote(v).length), 0), real);
  // block sync's request and item list are node/p2p's own framings
  assert.equal(varintBytes(3n) + varintBytes(32), encodeRangeRequest(3n, 32).length);
  const item = encode([d.block, encodeCommit(d.commit)]);
  assert.equal(varintBytes(1) + varintBytes(item.length) + item.length, encodeItems([item]).length);
  for (const x of [0, 127, 128, 16_383, 16_384, 2_000_000]) assert.equal(varintBytes(x), encodeVarint(x).length);
  assert.equal(responseFrameBytes(real), varintBytes(real + 1) + 1 + real);
});
