// The README's main command must stay true: the demo runs to completion and says it passed, after
// committing transfers, proving state, and taking two proof-of-learning jobs through the chain:
// one trained honestly and paid on the committee's matching replays, one faked and slashed. The
// committee is 5 seats drawn by stake with replacement (a validator may hold several), and the
// attest reward 300 is paid per seat: ⌊300 / 5⌋ = 60 for each seat of a confirmed member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/node-process.ts';

const SEATS = 5;
const PER_SEAT = 300 / SEATS;

/** validator index -> seats, from a job section's committee line. */
function seatsOf(part: string): Map<string, number> {
  const line = /committee \(5 seats drawn by stake with replacement, solver excluded\): (.*)/.exec(part);
  assert.ok(line, `a committee line in:\n${part}`);
  const seats = new Map([...line[1]!.matchAll(/validator (\d) \(pol1\w+…\) (\d) seats?/g)].map((m) => [m[1]!, Number(m[2])]));
  assert.equal([...seats.values()].reduce((a, b) => a + b, 0), SEATS, `the members' seats add up to ${SEATS}: ${line[0]}`);
  return seats;
}

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
      /committee \(5 seats drawn by stake with replacement, solver excluded\): validator \d \(pol1\w+…\) \d seats?/, /solver +opened \d+ checkpoints/,
      /attestation from validator \d .*replayed digest 0x[0-9a-f]{8}/, /attest window closed \(\d of \d attested; real digests hold \d of 5 seats\)/,
      /solver +revealed \d+ trace ranges/, /chain @\d+ +verdict: /,
    ];
    let at = 0;
    for (const re of phases) {
      const m = re.exec(part.slice(at));
      assert.ok(m, `${what} job: no ${re} after offset ${at} in:\n${part}`);
      at += m.index + m[0].length;
    }
  }

  // honest: the matching digests hold the quorum (at least 2/3 of the seats); each is paid 60 per seat it holds
  const hSeats = seatsOf(honest);
  const hv = /verdict: finalized \(paid\): (\d) of (\d) committee digests \((\d) of 5 seats\) match the revealed trace/.exec(honest);
  assert.ok(hv, honest);
  assert.equal(Number(hv[2]), hSeats.size, 'the committee is the distinct seat holders');
  assert.ok(3 * Number(hv[3]) >= 2 * SEATS, `matching digests hold a quorum of seats: ${hv[0]}`);
  assert.match(honest, /payout: honest solver \(pol1\w+…\): bounty 1000 \+ bond 500 returned/);
  const hPaid = [...honest.matchAll(/payout: attester validator (\d) \(pol1\w+…\): (\d+) \(\d+ seat\(s\) × \d+\)\n/g)];
  assert.equal(hPaid.length, Number(hv[1]), 'one payout per matching member');
  for (const m of hPaid) assert.equal(Number(m[2]), PER_SEAT * hSeats.get(m[1]!)!, `validator ${m[1]} holds ${hSeats.get(m[1]!)} seat(s): ${m[0]}`);
  assert.equal(hPaid.reduce((n, m) => n + hSeats.get(m[1]!)!, 0), Number(hv[3]), 'the paid seats are the matching seats');
  const hRest = 300 - PER_SEAT * Number(hv[3]);
  if (hRest > 0) assert.match(honest, new RegExp(`payout: submitter \\(pol1\\w+…\\): ${hRest} \\(attest reward of the other seats and the remainder\\)`));
  assert.match(honest, new RegExp(`=> job [0-9a-f]{8}… finalized \\(paid\\) at height \\d+: the solver earned the bounty 1000 .*${hv[1]} of ${hv[2]} attestations matched \\(${hv[3]} of 5 seats\\); balances check out`));
  const acc = /model: test accuracy [\d.]+% at step 0 -> ([\d.]+)% after 400 steps/.exec(honest);
  assert.ok(acc && Number(acc[1]) >= 85, `the proven MNIST model is accurate: ${acc?.[0]}`);
  assert.match(honest, /is the proven model on chain \(job_getModel\)\n/);

  assert.match(cheat, /training 400 steps \(k = 8\) on mnist \[test cheat: skip-steps:1\]/);
  // cheat: every real digest disagrees; the dissenters share half the bond 500 (the rest is burned) and are paid 60 per seat
  const cSeats = seatsOf(cheat);
  const cv = /verdict: slashed \(mismatch\): (\d) of (\d) committee digests \((\d) of 5 seats\) disagree/.exec(cheat);
  assert.ok(cv, cheat);
  assert.equal(Number(cv[2]), cSeats.size);
  assert.ok(3 * Number(cv[3]) >= 2 * SEATS, `the disagreeing digests held a quorum of seats: ${cv[0]}`);
  const share = Math.floor(250 / Number(cv[1]));
  assert.match(cheat, new RegExp(`payout: solver bond 500 lost: ${500 - share * Number(cv[1])} burned`));
  const cPaid = [...cheat.matchAll(/payout: dissenting attester validator (\d) \(pol1\w+…\): (\d+) of the bond \+ attest reward (\d+) \(\d+ seat\(s\) × \d+\)\n/g)];
  assert.equal(cPaid.length, Number(cv[1]), 'one payout per dissenting member');
  for (const m of cPaid) assert.deepEqual([Number(m[2]), Number(m[3])], [share, PER_SEAT * cSeats.get(m[1]!)!], m[0]);
  const cRest = 300 - PER_SEAT * Number(cv[3]);
  assert.match(cheat, new RegExp(`payout: submitter \\(pol1\\w+…\\): bounty 1000${cRest > 0 ? ` \\+ attest reward ${cRest}` : ''} refunded`));
  assert.match(cheat, /solver +slashed \(mismatch\): bond 500 lost/);
  assert.match(cheat, new RegExp(`=> job [0-9a-f]{8}… slashed \\(mismatch\\) at height \\d+: the solver lost its bond 500, ${cv[1]} of ${cv[2]} attesters disagreed \\(${cv[3]} of 5 seats\\); bounty 1000 refunded to the submitter`));

  const last = out.trimEnd().split('\n').pop()!;
  assert.match(last, new RegExp(`^== demo passed: 80 transfers committed and proven; honest MNIST job finalized and paid on ${hv[1]} of ${hv[2]} matching replays \\(${hv[3]} of 5 seats\\), [\\d.]+% test accuracy; `
    + `cheating solver slashed \\(${cv[1]} of ${cv[2]} replays disagreed, ${cv[3]} of 5 seats\\), bounty refunded`));
  assert.doesNotMatch(out, /FAILED|!!/);
});
