// The README's main command must stay true: the demo runs to completion and says it passed, after
// committing transfers, proving state, and taking two proof-of-learning jobs through the chain:
// one trained honestly and paid on the committee's matching replays, one faked and slashed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/node-process.ts';

test('polchain demo: transfers commit, an honest MNIST job is paid, a cheating solver is slashed', { timeout: 180_000 }, async () => {
  const r = await runCli(['demo', '--transfers', '80'], {}, 170_000);
  const out = r.stdout;
  assert.equal(r.code, 0, out + r.stderr.slice(-4000));
  assert.match(out, /80 transfers committed/);
  assert.match(out, /verifies against root 0x[0-9a-f]+\.\.\.: true/);

  // the two jobs, in order, each through every phase
  const i1 = out.indexOf('== job 1:');
  const i2 = out.indexOf('== job 2:');
  assert.ok(i1 > 0 && i2 > i1, 'both job sections are printed, honest first');
  const honest = out.slice(i1, i2);
  const cheat = out.slice(i2);
  for (const [what, part] of [['honest', honest], ['cheat', cheat]] as const) {
    const phases = [
      /posts job 0x[0-9a-f]{64}/, /chain @\d+ +job [0-9a-f]{8}… open: bounty 1000/, /solver +accepted job [0-9a-f]{8}…/, /chain @\d+ +training seed drawn/,
      /solver +trained 400 steps/, /chain @\d+ +trace committed: root 0x[0-9a-f]{8}/, /challenge from the beacon: segments \d+ \(steps \d+\.\.\d+\)/,
      /committee \(stake-weighted draw, solver excluded\): validator \d/, /solver +opened \d+ checkpoints/, /attestation from validator \d .*replayed digest 0x[0-9a-f]{8}/,
      /attest window closed \([23] of 3 attested\)/, /solver +revealed \d+ trace ranges/, /chain @\d+ +verdict: /,
    ];
    let at = 0;
    for (const re of phases) {
      const m = re.exec(part.slice(at));
      assert.ok(m, `${what} job: no ${re} after offset ${at} in:\n${part}`);
      at += m.index + m[0].length;
    }
  }

  assert.match(honest, /verdict: finalized \(paid\): [23] of 3 committee digests match the revealed trace/);
  assert.match(honest, /payout: honest solver \(pol1\w+…\): bounty 1000 \+ bond 500 returned/);
  assert.match(honest, /payout: attester validator \d \(pol1\w+…\): (100|150)/);
  assert.match(honest, /=> job [0-9a-f]{8}… finalized \(paid\) at height \d+: the solver earned the bounty 1000 .*[23] of 3 attestations matched; balances check out/);
  const acc = /model: test accuracy [\d.]+% at step 0 -> ([\d.]+)% after 400 steps/.exec(honest);
  assert.ok(acc && Number(acc[1]) >= 85, `the proven MNIST model is accurate: ${acc?.[0]}`);
  assert.match(honest, /is the proven model on chain \(job_getModel\)\n/);

  assert.match(cheat, /training 400 steps \(k = 8\) on mnist \[test cheat: skip-steps:1\]/);
  assert.match(cheat, /verdict: slashed \(mismatch\): [23] of 3 committee digests disagree/);
  assert.match(cheat, /payout: solver bond 500 lost: \d+ burned/);
  assert.match(cheat, /payout: dissenting attester .+: \d+ of the bond/);
  assert.match(cheat, /payout: submitter \(pol1\w+…\): bounty 1000 refunded/);
  assert.match(cheat, /solver +slashed \(mismatch\): bond 500 lost/);
  assert.match(cheat, /=> job [0-9a-f]{8}… slashed \(mismatch\) at height \d+: the solver lost its bond 500, [23] of 3 attesters disagreed; bounty 1000 refunded to the submitter/);

  const last = out.trimEnd().split('\n').pop()!;
  assert.match(last, /^== demo passed: 80 transfers committed and proven; honest MNIST job finalized and paid on [23] of 3 matching replays, [\d.]+% test accuracy; cheating solver slashed \([23] of 3 replays disagreed\), bounty refunded/);
  assert.doesNotMatch(out, /FAILED|!!/);
});
