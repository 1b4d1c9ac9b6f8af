// The `disputes` topic's notifications, derived from committed state: the vm reports job status
// changes (BlockResult.jobUpdates) but not dispute moves, and a dispute can open, be located or be
// decided without its job changing status. So the node remembers, per job that has disputes, each
// dispute's stage, and compares the jobs a block wrote (BlockResult.changes.jobs) with it.
import { DisputeStage, type Dispute, type DisputeStageTag, type Job } from '../../vm/index.ts';
import type { DisputeEventName, DisputeUpdateJson, Native } from '../../rpc/index.ts';
import { disputeKindName, disputeStageName, disputeStep, disputeWinnerName, located } from './dispute-json.ts';
import { bytesToHex } from '../../primitives/index.ts';

function update(job: Job, d: Dispute, index: number, event: DisputeEventName, height: bigint): DisputeUpdateJson<Native> {
  return {
    jobId: job.id, index, kind: disputeKindName(d.kind), event, stage: disputeStageName(d.stage), step: disputeStep(d),
    winner: disputeWinnerName(d), reason: d.reason || null, height,
  };
}

/** One `disputes` notification and the key a subscriber's filter is compared with (the 0x-hex job id). */
export interface DisputeNotification {
  filterKey: string;
  data: DisputeUpdateJson<Native>;
}

/** Remembers each dispute's stage and reports what changed block by block. */
export class DisputeWatch {
  /** Stage of each dispute, by hex job id (only jobs that have disputes; a few small numbers each). */
  private readonly stages = new Map<string, DisputeStageTag[]>();

  /** Starts from the committed state: what is already there is not news. */
  constructor(jobs: Iterable<Job>) {
    for (const j of jobs) if (j.disputes.length) this.stages.set(bytesToHex(j.id), j.disputes.map((d) => d.stage));
  }

  /**
   * The notifications for the jobs a block at `height` wrote, in the order given, then by dispute
   * index, then in the order the transitions happen: `opened` for a new dispute, `referee` when its
   * step was located (it reached the referee stage), `resolved` when it was decided. A dispute that
   * passes several in one block (a sampled segment is located as it opens) gets one notification per
   * transition; each carries the dispute as it stands at the end of the block.
   */
  changes(written: Iterable<Job>, height: bigint): DisputeNotification[] {
    const out: DisputeNotification[] = [];
    for (const job of written) {
      if (!job.disputes.length) continue;
      const key = bytesToHex(job.id);
      const before = this.stages.get(key) ?? [];
      const push = (d: Dispute, i: number, event: DisputeEventName) => out.push({ filterKey: '0x' + key, data: update(job, d, i, event, height) });
      job.disputes.forEach((d, i) => {
        const was = before[i];
        if (was === undefined) push(d, i, 'opened');
        // a dispute decided in its respond stage (no response, nothing to dispute) never reached the referee
        const reachedReferee = d.stage === DisputeStage.Referee || (d.stage === DisputeStage.Resolved && located(d));
        if ((was === undefined || was === DisputeStage.Respond) && reachedReferee) push(d, i, 'referee');
        if (was !== DisputeStage.Resolved && d.stage === DisputeStage.Resolved) push(d, i, 'resolved');
      });
      this.stages.set(key, job.disputes.map((d) => d.stage));
    }
    return out;
  }
}
