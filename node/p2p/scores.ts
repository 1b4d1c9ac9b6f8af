/**
 * Application-level peer scores and temporary bans. Pure bookkeeping with an injected
 * clock; the host acts on the verdicts (hangs up, refuses connections).
 */
export interface ScoreOptions {
  /** Score below which a peer is banned (default -50). */
  banThreshold: number;
  /** Ban length in ms (default 60 000). */
  banMs: number;
  /** Upper bound of the score, so good history cannot buy unlimited misbehaviour (default 50). */
  maxScore: number;
  /** Milliseconds since the epoch; injected for tests. */
  now: () => number;
  /** Most peers remembered (default 10 000); beyond it expired bans and the mildest scores are forgotten. */
  maxEntries: number;
}

export const DEFAULT_SCORE_OPTIONS: Omit<ScoreOptions, 'now'> = {
  banThreshold: -50,
  banMs: 60_000,
  maxScore: 50,
  maxEntries: 10_000,
};

/** Penalties used by the host (negative) and the reward for a useful message. */
export const PENALTY = {
  /** A gossip message the handler rejected, or one over the topic's size limit. */
  invalidGossip: -10,
  /** A handler that threw on a gossip message (treated like reject). */
  gossipHandlerThrew: -10,
  /** A malformed or oversized request/response frame. */
  badFrame: -10,
  /** A response that did not parse (helpers such as fetchBlocks). */
  badResponse: -5,
  /** A request that timed out: may be load, so only a light penalty. */
  timeout: -1,
} as const;
export const REWARD_VALID = 1;

export interface ScoreChange {
  score: number;
  /** Set when this change crossed the threshold and the peer is now banned until this time. */
  bannedUntil?: number;
}

export class PeerScoreBook {
  private readonly scores = new Map<string, number>();
  private readonly bans = new Map<string, number>();
  readonly opts: ScoreOptions;

  constructor(opts: Partial<ScoreOptions> = {}) {
    this.opts = { ...DEFAULT_SCORE_OPTIONS, now: Date.now, ...opts };
  }

  score(peer: string): number {
    return this.scores.get(peer) ?? 0;
  }

  /** Adds `delta` (clamped to maxScore); bans the peer when the result drops below the threshold. */
  adjust(peer: string, delta: number): ScoreChange {
    const score = Math.min(this.opts.maxScore, this.score(peer) + delta);
    this.scores.set(peer, score);
    if (this.scores.size > this.opts.maxEntries) this.prune();
    if (score < this.opts.banThreshold && !this.isBanned(peer)) {
      const bannedUntil = this.opts.now() + this.opts.banMs;
      this.bans.set(peer, bannedUntil);
      return { score, bannedUntil };
    }
    return { score };
  }

  ban(peer: string, ms = this.opts.banMs): number {
    const until = this.opts.now() + ms;
    this.bans.set(peer, until);
    if (this.bans.size > this.opts.maxEntries) this.prune();
    return until;
  }

  /** Lifts a ban at once (an operator's decision, or the end of a test partition); the score restarts at 0. */
  unban(peer: string): boolean {
    const was = this.isBanned(peer);
    this.bans.delete(peer);
    if (was) this.scores.set(peer, 0);
    return was;
  }

  /** True while a ban is running; an expired ban is lifted and the score reset to 0. */
  isBanned(peer: string): boolean {
    const until = this.bans.get(peer);
    if (until === undefined) return false;
    if (this.opts.now() < until) return true;
    this.bans.delete(peer);
    this.scores.set(peer, 0);
    return false;
  }

  /** Bounds memory against many throw-away identities: drops expired bans, then scores nearest 0. */
  private prune(): void {
    for (const peer of [...this.bans.keys()]) this.isBanned(peer);
    if (this.scores.size <= this.opts.maxEntries) return;
    const candidates = [...this.scores.entries()]
      .filter(([p]) => !this.bans.has(p))
      .sort((a, b) => Math.abs(a[1]) - Math.abs(b[1]));
    for (const [p] of candidates.slice(0, this.scores.size - Math.floor(this.opts.maxEntries * 0.9))) this.scores.delete(p);
  }

  bannedUntil(peer: string): number | undefined {
    return this.isBanned(peer) ? this.bans.get(peer) : undefined;
  }

  banned(): Array<{ peerId: string; until: number }> {
    const out: Array<{ peerId: string; until: number }> = [];
    for (const peer of [...this.bans.keys()]) {
      const until = this.bannedUntil(peer);
      if (until !== undefined) out.push({ peerId: peer, until });
    }
    return out;
  }

  /** Forgets a disconnected peer's score unless it is banned or negative (bad history is kept). */
  forget(peer: string): void {
    if (!this.bans.has(peer) && this.score(peer) >= 0) this.scores.delete(peer);
  }
}
