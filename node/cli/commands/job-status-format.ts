// How `polchain job status` prints a job: its terms, phase, committee, provisional verdict, disputes,
// demands and who got what when it ended (docs/jobs.md §5, docs/disputes.md §8).
import type { JobAtHeightJson, JobAttestationsJson } from '../../../rpc/index.ts';
import { demandLine, disputeLine } from './job-disputes.ts';
import { JOB_WINDOW_NAMES } from '../../../vm/index.ts';


export type JobJson = JobAtHeightJson;
/** What the status view reads of job_getAttestations. */
export type AttJson = Pick<JobAttestationsJson, 'verdictKnown' | 'committeeStake' | 'attestedStake' | 'members'>;

const short = (h: string) => (h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h);
const num = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(7))) : String(v)); // spec floats are float32: 0.05, not 0.05000000074505806
const optimizerText = (o: Record<string, unknown> | null) => (o ? `${String(o.type)}(${Object.entries(o).filter(([k]) => k !== 'type').map(([k, v]) => `${k}=${num(v)}`).join(', ')})` : '?');

/**
 * Who gets what when the job ended, per docs/jobs.md §5 and docs/disputes.md §8 (vm/jobs/settle.ts),
 * computed from the terms, the attestations, the disputes and the demands: every amount floors.
 */
export function payoutLines(j: JobJson, a: AttJson): string[] {
  const t = j.terms;
  const bounty = BigInt(t.bounty);
  const reward = BigInt(t.attestReward);
  const bond = BigInt(t.solverStake);
  const refunds = refundLine(j);
  // the attest reward is paid per seat (vm/jobs/settle.ts rewardSeats): ⌊reward / seats⌋ times the seats a member holds
  const seatReward = (addr: string) => (j.seats.length ? reward / BigInt(j.seats.length) : 0n) * BigInt(j.seats.filter((x) => x === addr).length);
  const rewardsTo = (list: string[]) => list.reduce((sum, m) => sum + seatReward(m), 0n);
  if (j.status === 'finalized') {
    const matched = a.members.filter((m) => m.matched === true).map((m) => m.address);
    const rest = reward - rewardsTo(matched);
    return [
      `solver ${j.solver}: bounty ${bounty} + bond ${bond} returned`, ...matched.map((m) => `attester ${m}: ${seatReward(m)}`),
      ...(rest > 0n ? [`submitter ${j.submitter}: ${rest} (attest reward remainder)`] : []), ...refunds,
    ];
  }
  if (j.status === 'diverged') {
    const T = BigInt(t.spec.steps ?? 1);
    const fee = (bounty * BigInt(j.divergedAt ?? 0)) / (2n * T);
    return [`solver ${j.solver}: ${fee} for ${j.divergedAt} of ${T} steps + bond ${bond} returned`, `submitter ${j.submitter}: bounty ${bounty - fee} + attest reward ${reward} refunded`, ...refunds];
  }
  if (j.status === 'slashed') {
    const { shares, rewarded } = slashRecipients(j, a);
    const each = shares.length ? bond / 2n / BigInt(shares.length) : 0n;
    const burned = bond - each * BigInt(shares.length);
    const rest = reward - rewardsTo(rewarded);
    const who = [...shares.map((s) => s.address), ...rewarded.filter((r) => !shares.some((s) => s.address === r))];
    const lines = who.map((addr) => {
      const role = shares.find((s) => s.address === addr)?.role ?? 'catcher';
      const parts = [...(shares.some((s) => s.address === addr) ? [`${each} of the bond`] : []), ...(rewarded.includes(addr) ? [`attest reward ${seatReward(addr)}`] : [])];
      return `${role} ${addr}: ${parts.join(' + ')}`;
    });
    return [`solver bond ${bond} lost: ${burned} burned`, ...lines, `submitter ${j.submitter}: bounty ${bounty}${rest > 0n ? ` + attest reward ${rest}` : ''} refunded`, ...refunds];
  }
  if (j.status === 'expired') {
    // no committee reached a quorum: the solver did its part, so its bond comes back (vm settleJob)
    const solver = j.outcome === 'no-quorum' && j.solver ? [`solver ${j.solver}: bond ${bond} returned (no quorum)`] : [];
    return [...solver, `submitter ${j.submitter}: bounty ${bounty} + attest reward ${reward} refunded`];
  }
  return [];
}

/**
 * Who shares half of a slashed solver's bond, and who splits the attest reward (vm/jobs/tick.ts and
 * dispute-tick.ts): the disagreeing members for a mismatch; the catchers for a withheld reveal; the
 * winner of the deciding dispute and the catchers for a fraud; the unanswered demanders for missing data.
 */
function slashRecipients(j: JobJson, a: AttJson): { shares: Array<{ address: string; role: string }>; rewarded: string[] } {
  // members with a real digest that differs from the revealed trace's (every real digest when it was withheld), not proven wrong
  const catchers = a.members.filter((m) => m.digest !== null && !m.unavailable && !m.provenWrong && m.matched !== true).map((m) => m.address);
  const distinct = (list: Array<{ address: string; role: string }>) => list.filter((x, i) => list.findIndex((y) => y.address === x.address) === i);
  switch (j.outcome) {
    case 'mismatch': return { shares: catchers.map((address) => ({ address, role: 'dissenting attester' })), rewarded: catchers };
    case 'no-reveal': return { shares: catchers.map((address) => ({ address, role: 'catcher' })), rewarded: catchers };
    case 'fraud': {
      const d = j.disputes.find((x) => x.stage === 'resolved' && x.winner === 'other' && x.kind !== 'divergence');
      const winner = d ? [{ address: d.kind === 'solver' ? d.by : d.member!, role: d.kind === 'solver' ? 'challenger' : 'disputed member' }] : [];
      return { shares: distinct([...winner, ...catchers.map((address) => ({ address, role: 'catcher' }))]), rewarded: catchers };
    }
    case 'no-data': {
      const end = BigInt(j.endHeight ?? 0);
      const lapsed = j.demands.filter((x) => x.answer === null && BigInt(x.deadline) <= end).map((x) => ({ address: x.by, role: 'demander' }));
      return { shares: distinct(lapsed), rewarded: [] };
    }
    default: return { shares: [], rewarded: [] };
  }
}

/** Bonds and fees still escrowed when the job ended go back (docs/disputes.md §8). */
function refundLine(j: JobJson): string[] {
  const disputes = j.disputes.filter((d) => d.reason === 'cancelled');
  const demands = j.demands.filter((x) => x.answer === null);
  if (!disputes.length && !demands.length) return [];
  return [`refunded: ${[...(disputes.length ? [`${disputes.length} open dispute bond(s)`] : []), ...(demands.length ? [`${demands.length} unanswered demand fee(s)`] : [])].join(', ')}`];
}

/** The provisional verdict and where its dispute window stands. */
function verdictText(j: JobJson): string {
  const end = BigInt(j.windowEnd!);
  const latest = BigInt(j.height);
  if (j.status !== 'provisional') return `${j.verdict} (dispute window ended at height ${end})`;
  if (latest <= end) return `${j.verdict}, provisional: anyone may dispute it until height ${end} (${end - latest} blocks left)`;
  return `${j.verdict}, provisional: the window ended at height ${end}; it stands once nothing is open`;
}

export function formatJobStatus(j: JobJson, a: AttJson): string {
  const t = j.terms;
  const s = t.spec;
  const L: string[] = [];
  const row = (k: string, v: string) => L.push(`  ${k.padEnd(12)}${v}`);
  L.push(`job ${j.id}`);
  row('status', `${j.status}${j.outcome ? ` (${j.outcome})` : ''}${j.deadline !== null ? `; ${j.phase ?? 'phase'} deadline at height ${j.deadline} (latest ${j.height}, ${BigInt(j.deadline) - BigInt(j.height)} blocks left)` : ''}${j.endHeight !== null ? `; ended at height ${j.endHeight}` : ''}`);
  row('submitter', `${j.submitter} at height ${j.submitHeight}`);
  row('spec', s.valid ? `${s.hash}  T=${s.steps} k=${s.checkpointInterval} batch=${s.batchSize} ${optimizerText(s.optimizer)}` : 'unparseable');
  row('dataset', `${t.datasetRoot} (${t.datasetSize} samples), runtime ${t.runtime}${t.parent ? `, parent ${t.parent}` : ''}`);
  row('amounts', `bounty ${t.bounty}, attest reward ${t.attestReward}, solver stake ${t.solverStake}`);
  row('challenge', `q=${t.q}, committee ${t.committeeSize}, windows ${JOB_WINDOW_NAMES.map((n) => `${n} ${t.windows[n]}`).join(', ')}`);
  const d = t.dispute;
  row('disputable', `window ${d.window}, move ${d.move}, bond ${d.bond}, demand fee ${d.demandFee}; referee limits ${d.maxStateBytes} state bytes, ${d.maxStepCost} multiply-adds`);
  row('solver', j.solver ? `${j.solver} (accepted at ${j.acceptHeight}; DA peer ${j.daPeer || '-'}${j.daAddrs.length ? ` ${j.daAddrs.join(' ')}` : ''})` : '-');
  if (j.seed) row('seed', j.seed);
  if (j.commitment) row('commitment', `trace ${short(j.commitment.traceRoot)}, final weights ${j.commitment.finalChunkRoot} at height ${j.commitment.height}`);
  if (j.challengeHeight !== null) row('segments', j.segments.length ? `[${j.segments.join(', ')}] of ${s.segmentCount ?? '?'} (challenge at ${j.challengeHeight})` : `drawn at height ${j.challengeHeight}`);
  if (a.members.length) {
    row('committee', `${a.members.length} member(s), stake ${a.committeeStake}, attested stake ${a.attestedStake}`);
    for (const m of a.members) {
      const what = m.digest === null ? 'not attested' : m.unavailable ? `data unavailable (height ${m.height})` : `digest ${short(m.digest)} at ${m.height}`;
      // UNAVAILABLE claims no hashes: it counts for neither side of the verdict (docs/disputes.md §5)
      const side = m.unavailable ? (m.matched === null ? '' : ', counts for neither side') : m.matched === null ? '' : m.matched ? ', matched' : ', MISMATCH';
      const verdict = side + (m.provenWrong ? ', PROVEN WRONG by the referee' : '');
      L.push(`      ${m.address}  stake ${m.stake}  ${what}${verdict}`);
    }
  }
  if (j.verdict !== null) row('verdict', verdictText(j));
  if (j.divergedAt !== null) row('diverged', `the solver committed h_0..h_${j.divergedAt} and claims step ${j.divergedAt} is non-finite`);
  if (j.disputes.length) {
    row('disputes', `${j.disputes.length} (${j.disputes.filter((x) => x.stage !== 'resolved').length} open)`);
    for (const x of j.disputes) L.push(`      ${disputeLine(x)}`);
  }
  if (j.demands.length) {
    row('demands', `${j.demands.length} (${j.demands.filter((x) => x.answer === null).length} unanswered)`);
    for (const x of j.demands) L.push(`      ${demandLine(x)}`);
  }
  const pay = payoutLines(j, a);
  if (pay.length) {
    row('payouts', pay[0]!);
    for (const p of pay.slice(1)) L.push(`  ${''.padEnd(12)}${p}`);
  }
  return L.join('\n');
}
