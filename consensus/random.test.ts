// Randomised runs: lossy, reordering network before a "global stabilisation time", weighted validators.
// Safety (no two different blocks committed at a height) must hold always; liveness once messages flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet } from './testkit.ts';

/** xorshift32: deterministic test randomness (never used by the state machine). */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

test('30 seeded runs with message loss and reordering: never a fork, every height commits after stabilisation', () => {
  let laterRounds = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const r = rng(seed * 7919);
    const n = 4 + (r() % 3);
    const powers = Array.from({ length: n }, () => BigInt(1 + (r() % 5)));
    const net = new SimNet({ powers, maxHeight: 3n });
    let stable = false;
    net.drop = () => !stable && r() % 100 < 30;
    net.pick = (len) => r() % len;
    net.start();
    for (let i = 0; i < 6; i++) net.fireTimeouts(); // chaos phase
    net.agreed(); // throws on a fork
    stable = true;
    const done = () => net.nodes.every((x) => x.commits.has(3n));
    assert.ok(net.runUntilWithGossip(done), `seed ${seed}: not all heights committed`);
    const agreed = net.agreed();
    assert.deepEqual([...agreed.keys()].sort(), [1n, 2n, 3n], `seed ${seed}`);
    for (const x of net.nodes) for (const c of x.commits.values()) if (c.round > 0) laterRounds++;
  }
  assert.ok(laterRounds > 0, 'the chaos phase forced some commits into later rounds');
});
