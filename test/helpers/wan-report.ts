// What a WanSim run measured, per height and per validator (the figures of docs/consensus.md §9).
import type { WanSim } from './wan-sim.ts';
import { TRAFFIC, type Traffic } from './wan-model.ts';

export interface WanSummary {
  validators: number;
  silent: number;
  /** Heights every live validator committed. */
  heights: number;
  allCommitted: boolean;
  /** Every live validator committed the same block at every height it committed, and no validator two. */
  agreed: boolean;
  forks: string[];
  virtualS: number;
  heightsPerS: number;
  roundsMean: number;
  roundsMax: number;
  /** Means over the live validators, per committed height. */
  perValidatorHeight: {
    sentMsgs: number; sentBytes: number; receivedMsgs: number; receivedBytes: number;
    /** of the sent/received figures: gossip of proposals and of votes (relays and duplicates included), block sync, catch-up */
    byKind: Record<Traffic, { sentMsgs: number; sentBytes: number; receivedMsgs: number; receivedBytes: number }>;
    duplicates: number;
    /** transmissions lost on the links */
    lost: number;
  };
  events: number;
}

export function summarize(sim: WanSim): WanSummary {
  const live = sim.live.map((i) => sim.nodes[i]!);
  let heights = Infinity;
  for (const n of live) heights = Math.min(heights, Number(n.committed));
  const target = BigInt(sim.opts.heights);
  let agreed = sim.forks.length === 0;
  const rounds: number[] = [];
  for (let h = 1n; h <= BigInt(heights); h++) {
    const hashes = new Set(live.map((n) => n.commits.get(h)!.hash));
    if (hashes.size !== 1) agreed = false;
    rounds.push(Math.max(...live.map((n) => n.commits.get(h)!.round)) + 1);
  }
  const per = (x: number) => (heights > 0 ? x / (live.length * heights) : 0);
  const kinds = TRAFFIC;
  const byKind = Object.fromEntries(kinds.map((k) => {
    const sum = (f: (n: (typeof live)[number]) => number) => per(live.reduce((a, n) => a + f(n), 0));
    return [k, {
      sentMsgs: sum((n) => n.traffic.sent[k].msgs), sentBytes: sum((n) => n.traffic.sent[k].bytes),
      receivedMsgs: sum((n) => n.traffic.received[k].msgs), receivedBytes: sum((n) => n.traffic.received[k].bytes),
    }];
  })) as WanSummary['perValidatorHeight']['byKind'];
  const total = (f: (c: (typeof byKind)[Traffic]) => number) => kinds.reduce((a, k) => a + f(byKind[k]), 0);
  const virtualS = sim.doneAtUs / 1e6;
  return {
    validators: sim.nodes.length, silent: sim.opts.silent, heights, allCommitted: live.every((n) => n.committed >= target), agreed, forks: sim.forks,
    virtualS, heightsPerS: virtualS > 0 ? heights / virtualS : 0,
    roundsMean: rounds.length ? rounds.reduce((a, b) => a + b, 0) / rounds.length : 0, roundsMax: rounds.length ? Math.max(...rounds) : 0,
    perValidatorHeight: {
      sentMsgs: total((c) => c.sentMsgs), sentBytes: total((c) => c.sentBytes), receivedMsgs: total((c) => c.receivedMsgs), receivedBytes: total((c) => c.receivedBytes),
      byKind, duplicates: per(live.reduce((a, n) => a + n.traffic.duplicates, 0)), lost: per(live.reduce((a, n) => a + n.traffic.lost, 0)),
    },
    events: sim.q.processed,
  };
}
