// One job: its lifecycle as a timeline, the model's spec, the dataset root, the proven model, the
// committee's attestations and the committed loss curve (job_getLossCurve, where the node has it).
import { batch, call, RpcFailure, METHOD_NOT_FOUND } from '../rpc.js';
import { h, mount, kv, table, amount, linkAccount, linkBlock, mono, short } from '../dom.js';
import { lossChart } from '../loss-chart.js';
import { jobTable } from './chain.js';

const ENDED = new Set(['finalized', 'slashed', 'expired', 'diverged']);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** Spec hyperparameters are float32 values; six significant digits show what was written. */
const f32 = (x) => (typeof x === 'number' ? String(Number(x.toPrecision(6))) : '—');

/** The twelve steps of a job's life (docs/jobs.md), each done, current, failed or still ahead. */
export function timeline(job, att, trace) {
  const ended = ENDED.has(job.status);
  const seats = job.seats.length;
  const steps = [
    ['submitted', true, [linkBlock(job.submitHeight), ' by ', linkAccount(job.submitter), `, bounty ${amount(job.terms.bounty)}`]],
    ['accepted', job.acceptHeight !== null, job.acceptHeight !== null ? [linkBlock(job.acceptHeight), ' by solver ', linkAccount(job.solver), `, bond ${amount(job.terms.solverStake)}`] : null],
    ['seed', job.seed !== null, job.seed ? ['drawn from the beacon: ', mono(short(job.seed, 18))] : null],
    ['committed', job.commitment !== null, job.commitment ? [linkBlock(job.commitment.height), ', trace root ', mono(short(job.commitment.traceRoot, 18))] : null],
    ['challenge', job.challengeHeight !== null, job.challengeHeight !== null ? [linkBlock(job.challengeHeight), `, ${plural(job.segments.length, 'segment')} sampled`] : null],
    ['committee', seats > 0, seats ? [`${plural(seats, 'seat')}, ${plural(job.committee.length, 'member')}, stake ${amount(job.committeeStake)}${job.draws > 1 ? `, ${job.draws} draws` : ''}`] : null],
    ['openings', job.openings > 0, job.openings ? [`${plural(job.openings, 'checkpoint')} opened`] : null],
    ['attestations', job.attestations > 0, job.attestations ? [`${att.members.filter((m) => m.digest).length} of ${plural(att.members.length, 'member')} attested, stake ${amount(att.attestedStake)} of ${amount(att.committeeStake)}`] : null],
    ['reveals', job.reveals > 0, job.reveals ? [`${trace.requiredReveals.filter((r) => r.revealed).length} of ${trace.requiredReveals.length} required ranges revealed`] : null],
    ['disputes', job.windowEnd !== null && (ended || job.disputes.length > 0),
      job.disputes.length ? job.disputes.map((d, i) => [i ? '; ' : '', `#${d.index} ${d.kind} by `, linkAccount(d.by), ` ${d.stage}${d.winner ? `, won by ${d.winner}` : ''}`])
        : job.windowEnd !== null ? [`none (window to `, linkBlock(job.windowEnd), ')'] : null],
    ['verdict', job.verdict !== null, job.verdict ? [h('span', { class: job.verdict === 'paid' ? 'ok' : 'bad', id: 'verdict' }, job.verdict), job.windowEnd ? [', dispute window to ', linkBlock(job.windowEnd)] : ''] : null],
    ['payouts', ended, ended ? [h('span', { class: job.outcome === 'paid' ? 'ok' : 'bad', id: 'outcome' }, job.outcome ?? job.status), ' at ', linkBlock(job.endHeight), payoutNote(job)] : null],
  ];
  const firstOpen = steps.findIndex(([, done]) => !done);
  return h('ol', { class: 'timeline', id: 'timeline' }, steps.map(([name, done, detail], i) => {
    let cls = done ? 'done' : '';
    if (!done && !ended && i === firstOpen) cls = 'current';
    if (name === 'payouts' && ended && job.outcome !== 'paid') cls = 'failed';
    if (!done && ended && i === firstOpen) cls = 'failed';
    return h('li', { class: cls, 'data-step': name }, h('span', { class: 'step' }, name),
      detail ?? h('span', { class: 'muted' }, ended ? 'did not happen' : i === firstOpen ? `waiting (${job.phase ?? ''} until #${job.deadline ?? '?'})` : 'ahead'));
  }));
}

function payoutNote(job) {
  if (job.outcome === 'paid') return `: bounty ${amount(job.terms.bounty)} to the solver, bond back; attest reward ${amount(job.terms.attestReward)} shared by the seats whose digests matched`;
  if (job.outcome) return ': see the solver\'s and members\' history for the amounts';
  return '';
}

function specRows(job) {
  const s = job.terms.spec;
  if (!s.valid) return [['spec', h('span', { class: 'bad' }, 'does not parse')]];
  return [
    ['spec hash', mono(s.hash)], ['steps', String(s.steps)], ['checkpoint every', `${s.checkpointInterval} steps (${s.checkpointCount} checkpoints, ${s.segmentCount} segments)`],
    ['batch', String(s.batchSize)], ['optimizer', `${s.optimizer.type}, learning rate ${f32(s.optimizer.learningRate)}${s.optimizer.momentum !== undefined ? `, momentum ${f32(s.optimizer.momentum)}` : ''}`], ['loss', s.loss],
    ['shape', `${JSON.stringify(s.inputShape)} → ${JSON.stringify(s.outputShape)}, ${s.layers} layers, ${s.paramCount} parameters`],
    ['runtime', job.terms.runtime], ['dataset root', h('span', { class: 'mono', id: 'dataset-root' }, job.terms.datasetRoot)], ['dataset size', `${job.terms.datasetSize} samples`],
    ['sampling', `q = ${job.terms.q} segment draws, committee of ${plural(job.terms.committeeSize, 'seat')}`], ['parent', job.terms.parent ? h('a', { href: `#/job/${job.terms.parent}` }, mono(job.terms.parent)) : undefined],
  ];
}

async function lossSection(id) {
  const box = h('section', { id: 'loss-curve' }, h('h2', {}, 'Loss curve'));
  try {
    const c = await call('job_getLossCurve', { jobId: id });
    if (!c.available) box.append(h('p', { class: 'muted' }, `loss curve not available${c.reason ? `: ${c.reason}` : ''}`));
    else {
      const n = (s) => c.points.filter((p) => p.status === s).length;
      box.append(lossChart(c.points, c.steps),
        h('p', { class: 'legend' }, h('span', {}, `${c.points.length} points of ${c.steps} steps, loss root `, mono(short(c.lossRoot ?? '—', 18))),
          h('span', { class: 'ok' }, `● ${n('confirmed')} confirmed by replay`), h('span', { class: 'bad' }, `✕ ${n('mismatch')} mismatched`)));
    }
  } catch (e) {
    if (!(e instanceof RpcFailure)) throw e;
    // the rest of the job's page does not depend on the curve: say why it is missing and go on
    box.append(h('p', { class: 'muted' }, e.code === METHOD_NOT_FOUND ? 'loss curve not available (this node does not serve job_getLossCurve)' : `loss curve not available: ${e.message}`));
  }
  return box;
}

async function modelSection(job) {
  if (job.status !== 'finalized') return h('p', { class: 'muted' }, job.outcome ? `no proven model: the job ended ${job.outcome}` : 'no proven model yet: only a finalized job has one');
  const m = await call('job_getModel', [job.id]);
  return kv([['weights root', h('span', { class: 'mono', id: 'weights-root' }, m.weightsRoot)], ['final step hash', mono(m.finalStepHash)], ['trace root', mono(m.traceRoot)],
    ['checkpoints root', mono(m.checkpointsRoot)], ['finalized', linkBlock(m.finalizedHeight)]]);
}

/** What changes as a job moves on: a new value re-renders the page. */
const progressKey = (j) => JSON.stringify([j.status, j.openings, j.attestations, j.reveals, j.disputes.map((d) => d.stage), j.verdict, j.draws]);

/** The job's page; while it runs, each new head checks job_get and redraws when the job moved on. */
export async function job(view, id, ctx) {
  const [j, att, trace] = await batch([['job_get', [id]], ['job_getAttestations', [id]], ['job_getTrace', [id]]]);
  if (ctx && !ENDED.has(j.status)) {
    const key = progressKey(j);
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const now = await call('job_get', [id]);
        if (progressKey(now) !== key && ctx.onHead === tick) await job(view, id, ctx); // still this page
      } catch { /* the next head tries again */ } finally { busy = false; }
    };
    ctx.onHead = tick;
  } else if (ctx) ctx.onHead = null;
  const [loss, model] = await Promise.all([lossSection(id), modelSection(j)]);
  mount(view,
    h('h1', {}, 'Job ', mono(id)),
    kv([['status', h('span', { id: 'job-status' }, j.status)], ['outcome', j.outcome ?? '—'], ['solver', linkAccount(j.solver, true)], ['submitter', linkAccount(j.submitter, true)],
      ['bounty', amount(j.terms.bounty)], ['attest reward', amount(j.terms.attestReward)], ['solver bond', amount(j.terms.solverStake)], ['read at', linkBlock(j.height)]]),
    h('h2', {}, 'Lifecycle'), timeline(j, att, trace),
    loss,
    h('h2', {}, 'Model'), kv(specRows(j)),
    h('details', {}, h('summary', {}, 'spec JSON'), h('pre', { class: 'mono' }, j.terms.specJson)),
    h('h2', {}, 'Proven model'), model,
    h('h2', {}, 'Committee'),
    table(['member', 'stake', 'digest', 'at', 'matched'], att.members.map((m) => [linkAccount(m.address), amount(m.stake), m.digest ? mono(short(m.digest)) : (m.unavailable ? 'unavailable' : '—'),
      m.height ? linkBlock(m.height) : '—', m.matched === null ? '—' : m.matched ? h('span', { class: 'ok' }, 'yes') : h('span', { class: 'bad' }, m.provenWrong ? 'no (proven wrong)' : 'no')]), 'no committee yet'),
  );
}

export async function jobs(view) {
  const first = await call('job_list', { limit: 50 });
  const box = h('div', {}, jobTable(first.jobs));
  mount(view, h('h1', {}, `Jobs (${first.total})`), box);
  let cursor = first.nextCursor;
  if (cursor) {
    const more = h('button', { type: 'button' }, 'more');
    more.onclick = async () => {
      const next = await call('job_list', { limit: 50, cursor });
      box.append(jobTable(next.jobs));
      cursor = next.nextCursor;
      if (!cursor) more.remove();
    };
    view.append(h('p', { class: 'pager' }, more));
  }
}
