// Issue 10's end-to-end claim on the 4-process devnet (`polchain demo-dispute`, `npm run demo:dispute`):
// a solver process fakes one step in a segment the sample missed, the committee provisionally pays it,
// a `polchain watch` process replays the unsampled segments over DA, disputes the fake, and the chain
// itself decides: the referee re-executes the step in a block every validator applies with the same
// state root, the solver is slashed for fraud and the watchtower earns half its bond.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/node-process.ts';

test('devnet: a dispute from polchain watch is resolved by the referee in a block all four validators apply alike', { timeout: 300_000 }, async () => {
  const r = await runCli(['demo-dispute'], {}, 290_000);
  const out = r.stdout;
  assert.equal(r.code, 0, out + r.stderr.slice(-6000));
  assert.match(out, /4 validator processes/);
  assert.match(out, /the committee replays them: provisional verdict paid/, 'the sample missed the fake: the committee saw nothing');
  // the respond stage may pass between two polls of the demo (the solver answers within a block)
  const steps = [/dispute 0 \(solver\) by pol1\w+…: referee, step (\d+)/, /resolved, step \d+, won by the challenger \(referee\)/];
  let at = 0;
  for (const re of steps) {
    const m = re.exec(out.slice(at));
    assert.ok(m, `${re} after offset ${at}:\n${out}`);
    at += m.index + m[0].length;
  }
  const decided = /the referee re-executed step (\d+) in block (\d+): the solver's h_(\d+) was wrong; job slashed \(fraud\)/.exec(out);
  assert.ok(decided, out);
  assert.equal(Number(decided[3]), Number(decided[1]) + 1);
  const roots = [...out.matchAll(/validator (\d): block (\d+) state root (0x[0-9a-f]{64})/g)];
  assert.deepEqual(roots.map((m) => m[1]), ['0', '1', '2', '3'], 'every validator reported the deciding block');
  assert.ok(roots.every((m) => m[2] === decided[2]), 'the deciding block');
  assert.equal(new Set(roots.map((m) => m[3])).size, 1, 'one state root on all four validators');
  // bond 200 back and half the solver's bond of 500 (250), less a fee of 1 for each of the n transactions it sent and
  // the demandFee (5) of each of its d >= 1 availability demands that got it the solver's checkpoints (docs/da.md §2b)
  const gain = /the watchtower's balance: (\d+) -> (\d+) \([^)]*?the (\d+) transaction\(s\) it sent/.exec(out);
  assert.ok(gain, out);
  const delta = BigInt(gain[2]!) - BigInt(gain[1]!);
  const n = BigInt(gain[3]!);
  const d = (250n - n - delta) / 5n;
  assert.ok(n >= 2n && d >= 1n && d < n && 250n - n - 5n * d === delta, `the watchtower earned 250 less 1 per transaction (${n}) and 5 per demand (got ${delta})`);
  assert.match(out, /== demo-dispute passed/);
});
