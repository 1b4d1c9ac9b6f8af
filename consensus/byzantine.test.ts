// A byzantine validator (1 of 4, 25% of the power) equivocates on everything it sends: one half of the
// network sees its block X and its votes for X, the other half a different block X' and votes for X'.
// Under message loss and reordering, honest validators must never commit different blocks, and must
// all commit once the network stabilises.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SimNet, SIM_CHAIN, readSimBlock, simBlock } from './testkit.ts';
import { signProposal } from './proposal.ts';
import { signVote } from './vote.ts';
import type { ConsensusEvent } from './events.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

function equivocator(net: SimNet, byz: number) {
  const key = net.nodes[byz]!.key;
  const alt = new Map<string, Uint8Array>(); // hash of its real block -> hash of the twin it shows the other half
  return (from: number, to: number, ev: ConsensusEvent): ConsensusEvent => {
    if (from !== byz || to % 2 === 0) return ev;
    if (ev.type === 'proposal') {
      const p = ev.proposal;
      const b = readSimBlock(p.block);
      const twin = simBlock(b.height, b.round + 1000, b.proposer, b.lastCommit, b.beacon);
      alt.set(bytesToHex(p.blockHash), sha256(twin));
      return { type: 'proposal', proposal: signProposal(SIM_CHAIN, { height: p.height, round: p.round, polRound: p.polRound, blockHash: sha256(twin), block: twin, proposer: p.proposer }, key.seed) };
    }
    if (ev.type === 'vote') {
      const v = ev.vote;
      const other = v.blockHash === null ? null : alt.get(bytesToHex(v.blockHash)) ?? null;
      if (other === null && v.blockHash === null) return ev;
      return { type: 'vote', vote: signVote(SIM_CHAIN, { type: v.type, height: v.height, round: v.round, blockHash: other, validator: v.validator }, key.seed) };
    }
    return ev;
  };
}

test('an equivocating validator with 25% of the power cannot fork the honest ones (20 seeded runs)', () => {
  let evidence = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const r = rng(seed * 104729);
    const net = new SimNet({ powers: [10n, 10n, 10n, 10n], maxHeight: 3n });
    const byz = seed % 4;
    net.transform = equivocator(net, byz);
    let stable = false;
    net.drop = () => !stable && r() % 100 < 25;
    net.pick = (len) => r() % len;
    net.start();
    for (let i = 0; i < 6; i++) net.fireTimeouts();
    const honest = net.nodes.filter((n) => n.index !== byz);
    const check = () => {
      const seen = new Map<bigint, string>();
      for (const n of honest) for (const [h, c] of n.commits) {
        const prev = seen.get(h);
        assert.ok(prev === undefined || prev === c.blockHash, `seed ${seed}: fork at height ${h}`);
        seen.set(h, c.blockHash);
      }
    };
    check();
    stable = true;
    assert.ok(net.runUntilWithGossip(() => honest.every((n) => n.commits.has(3n))), `seed ${seed}: honest validators did not finish`);
    check();
    for (const n of honest) {
      const evs = n.effects.flatMap((e) => (e.type === 'evidence' ? [e.evidence] : []));
      for (const e of evs) assert.equal(bytesToHex(e.voteA.validator), bytesToHex(net.nodes[byz]!.key.address), 'only the equivocator is accused');
      evidence += evs.length;
    }
  }
  assert.ok(evidence > 0, 'equivocation was detected');
});
