// The chain-side half of the demo's job narration: a watcher that prints each phase of a job once,
// in lifecycle order, with the height it happened at.
import type { Logger } from 'pino';
import type { RpcClient, JobAtHeightJson, JobAttestationsJson } from '../../rpc/index.ts';
import { shortId } from '../solver/index.ts';
import { payoutLines } from './commands/job-status-format.ts';
import { errorMessage } from '../../primitives/index.ts';

export type JobJson = JobAtHeightJson;
/** What the demo reads of job_getAttestations (a stand-in when the call fails). */
export type AttJson = Pick<JobAttestationsJson, 'verdictKnown' | 'committeeStake' | 'attestedStake' | 'matchedStake' | 'members'>;

export const SOLVER_COL = '   solver       ';
export const chainCol = (h: string | null) => `   chain ${(h === null ? '' : `@${h}`).padEnd(7)}`;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const shortHex = (h: string) => `${h.slice(0, 10)}…`;
/** Seats of the job's current committee that `address` holds (a member may hold several; docs/committee.md §3). */
export const seatsOf = (j: Pick<JobJson, 'seats'>, address: string): number => j.seats.filter((x) => x === address).length;
/** Seats held by the members among `list`. */
export const seatsIn = (j: Pick<JobJson, 'seats'>, list: ReadonlyArray<{ address: string }>): number => list.reduce((n, m) => n + seatsOf(j, m.address), 0);
const ORDER = ['open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing'] as const;
const TERMINAL = new Set(['finalized', 'slashed', 'expired']);

/**
 * Prints a job's chain-side phases as they happen: the `jobs` WebSocket topic (exact heights) wakes
 * a job_get / job_getAttestations poll, which also runs on a timer (every phase is printed once, in
 * lifecycle order, even if the notification was missed).
 */
export class JobWatcher {
  private printed = -1;
  private readonly heights = new Map<string, string>();
  private readonly attested = new Set<string>();
  /** the committee draw last printed (a job that missed its quorum is redrawn, docs/committee.md §6) */
  private draw = 1;
  private redrawSaid = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsub: (() => Promise<void>) | null = null;
  private stopped = false;
  private endedResolve!: (v: { job: JobJson; att: AttJson }) => void;
  readonly ended: Promise<{ job: JobJson; att: AttJson }>;

  constructor(
    private readonly rpc: RpcClient,
    private readonly id: string,
    private readonly name: (address: string) => string,
    private readonly say: (s: string) => void,
    private readonly log: Logger,
  ) {
    this.ended = new Promise((r) => (this.endedResolve = r));
  }

  async start(): Promise<void> {
    try {
      this.unsub = await this.rpc.subscribe('jobs', (u) => {
        if (!this.heights.has(u.status)) this.heights.set(u.status, String(u.height));
        this.kick();
      }, () => undefined, { filter: this.id });
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'demo: cannot subscribe to jobs; polling only');
    }
    this.timer = setInterval(() => this.kick(), 250);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.unsub?.().catch(() => undefined);
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.refresh();
        } catch (e) {
          this.log.debug({ err: errorMessage(e) }, 'demo: job poll failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = null));
  }

  private async refresh(): Promise<void> {
    let job: JobJson;
    try {
      job = await this.rpc.call('job_get', [this.id]);
    } catch {
      return; // not yet in a block
    }
    const att = job.committee.length ? await this.rpc.call('job_getAttestations', [this.id]) : null;
    const terminal = TERMINAL.has(job.status);
    const idx = terminal ? ORDER.length : ORDER.indexOf(job.status as (typeof ORDER)[number]);
    for (let i = this.printed + 1; i <= Math.min(idx, ORDER.length - 1); i++) {
      const s = ORDER[i]!;
      // a job that ended early (expired, no-commit, no-open, ...) skips the phases it never reached
      if (terminal && !this.reached(s, job)) continue;
      if (s === 'revealing' && att) this.attestations(att, job.draws);
      this.phase(s, job, att);
      this.printed = i;
    }
    this.redraws(job);
    if (att && !terminal) this.attestations(att, job.draws);
    if (terminal && this.printed < ORDER.length) {
      if (att) this.attestations(att, job.draws);
      this.printed = ORDER.length;
      this.verdict(job, att ?? { verdictKnown: false, committeeStake: '0', attestedStake: '0', matchedStake: null, members: [] });
      this.endedResolve({ job, att: att ?? { verdictKnown: false, committeeStake: '0', attestedStake: '0', matchedStake: null, members: [] } });
    }
  }

  private reached(s: (typeof ORDER)[number], j: JobJson): boolean {
    switch (s) {
      case 'open': return true;
      case 'accepted': case 'training': return j.solver !== null;
      case 'committed': return j.commitment !== null;
      case 'challenged': return j.challengeHeight !== null;
      case 'attesting': return j.openings > 0;
      case 'revealing': return j.outcome === 'paid' || j.outcome === 'mismatch' || j.outcome === 'no-reveal';
    }
  }

  private at(s: string, derived: string | null): string {
    return chainCol(this.heights.get(s) ?? derived);
  }

  private phase(s: (typeof ORDER)[number], j: JobJson, a: AttJson | null): void {
    const t = j.terms;
    const w = t.windows;
    switch (s) {
      case 'open':
        this.say(`${this.at(s, j.submitHeight)}job ${shortId(j.id.slice(2))} open: bounty ${t.bounty} + attest reward ${t.attestReward} escrowed; a solver must accept by height ${BigInt(j.submitHeight) + BigInt(w.accept)}`);
        break;
      case 'accepted':
        this.say(`${this.at(s, j.acceptHeight)}accepted by ${this.name(j.solver ?? '?')}: bond ${t.solverStake} posted; checkpoints served by libp2p peer ${shortHex(j.daPeer ?? '?')}`);
        break;
      case 'training': {
        const h = j.acceptHeight === null ? null : String(BigInt(j.acceptHeight) + 1n);
        this.say(`${this.at(s, h)}training seed drawn from the beacon: ${j.seed ? shortHex(j.seed) : '?'}; the trace must be committed by height ${h === null ? '?' : BigInt(h) + BigInt(w.commit)}`);
        break;
      }
      case 'committed':
        this.say(`${this.at(s, j.commitment?.height ?? null)}trace committed: root ${shortHex(j.commitment?.traceRoot ?? '?')}, final weights ${shortHex(j.commitment?.finalChunkRoot ?? '?')}; the challenge is drawn ${w.challengeDelay} blocks later`);
        break;
      case 'challenged': {
        const k = t.spec.checkpointInterval ?? 0;
        const T = t.spec.steps ?? 0;
        const segs = j.segments.map((x) => `${x} (steps ${x * k}..${Math.min((x + 1) * k, T)})`).join(', ');
        this.say(`${this.at(s, j.challengeHeight)}challenge from the beacon: segments ${segs} of ${t.spec.segmentCount ?? '?'}`);
        this.committee(j);
        break;
      }
      case 'attesting': {
        const h = this.heights.get(s) ?? null;
        this.say(`${chainCol(h)}${j.openings} checkpoints opened and proven under the commitment; the committee replays the segments and attests${h === null ? '' : ` until height ${BigInt(h) + BigInt(w.attest)}`}`);
        break;
      }
      case 'revealing': {
        const h = this.heights.get(s) ?? null;
        const real = a?.members.filter((m) => m.digest !== null && !m.unavailable) ?? [];
        const n = a?.members.filter((m) => m.digest !== null).length ?? 0;
        this.say(`${chainCol(h)}attest window closed (${n} of ${a?.members.length ?? 0} attested; real digests hold ${seatsIn(j, real)} of ${j.seats.length} seats); the solver reveals the sampled segments' step hashes${h === null ? '' : ` by height ${BigInt(h) + BigInt(w.reveal)}`}`);
        break;
      }
    }
  }

  /** The current committee: its members by name with the seats each holds. */
  private committee(j: JobJson): void {
    const members = j.committee.map((m) => `${this.name(m.address)} ${seatsOf(j, m.address)} seat${seatsOf(j, m.address) === 1 ? '' : 's'}`);
    this.draw = j.draws;
    const which = j.draws > 1 ? `committee ${j.draws} of at most 3` : 'committee';
    this.say(`${chainCol(null)}${which} (${j.seats.length} seats drawn by stake with replacement, solver excluded): ${members.join(', ')}`);
  }

  /** A committee that missed its quorum, and the fresh one drawn after it. */
  private redraws(j: JobJson): void {
    if (j.status === 'redrawing' && this.redrawSaid < j.draws) {
      this.redrawSaid = j.draws;
      // the jobs topic keeps the first height of each status; a second redraw prints without one
      this.say(`${j.draws === 1 ? this.at('redrawing', null) : chainCol(null)}committee ${j.draws} missed its quorum (every segment replayed, 2/3 of the seats): its silent members pay the liveness penalty; a fresh committee is drawn without them`);
    }
    if (j.draws > this.draw && j.status !== 'redrawing') this.committee(j);
  }

  private attestations(a: AttJson, draw: number): void {
    for (const m of a.members) {
      const key = `${draw}:${m.address}`;
      if (m.digest === null || this.attested.has(key)) continue;
      this.attested.add(key);
      this.say(`${chainCol(m.height)}attestation from ${this.name(m.address)}: ${m.unavailable ? 'data unavailable (zero digest)' : `replayed digest ${shortHex(m.digest)}`}`);
    }
  }

  private verdict(j: JobJson, a: AttJson): void {
    const c = a.members.length;
    const matched = a.members.filter((m) => m.matched === true);
    // a real digest that differs (UNAVAILABLE claims nothing; one proven wrong by a referee does not count)
    const differed = a.members.filter((m) => m.matched === false && !m.unavailable && !m.provenWrong);
    const seats = (list: typeof matched) => `${seatsIn(j, list)} of ${j.seats.length} seats`;
    const what = j.status === 'finalized' ? `${matched.length} of ${c} committee digests (${seats(matched)}) match the revealed trace`
      : j.outcome === 'mismatch' ? `${differed.length} of ${c} committee digests (${seats(differed)}) disagree with the revealed trace`
        : j.outcome === 'no-quorum' ? `none of ${j.draws} committees reached a quorum; nobody is paid, the solver's bond and the submitter's escrow come back`
          : `outcome ${j.outcome}`;
    this.say(`${chainCol(j.endHeight)}verdict: ${j.status} (${j.outcome}): ${what}`);
    for (const p of payoutLines(j, a)) this.say(`${chainCol(null)}  payout: ${this.names(p)}`);
  }

  /** Replaces the bech32 addresses in a payout line by readable names ("solver pol1..." -> "honest solver (pol1...)"). */
  private names(line: string): string {
    return line
      .replace(/^(solver|submitter) (pol1[02-9ac-hj-np-z]+)/, (all, role: string, addr: string) => (this.name(addr).includes(role) ? this.name(addr) : all))
      .replace(/(?<![(\w])pol1[02-9ac-hj-np-z]+/g, (addr) => this.name(addr));
  }
}
