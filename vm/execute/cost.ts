import type { Job, TxBody } from '../types/index.ts';

/**
 * What a transaction takes from the sender's balance up front: fee, plus the amount of a transfer
 * or stake, plus bounty + attestReward for JobSubmit (escrowed), plus the job's solverStake for
 * JobAccept (the bond), the dispute bond for DisputeOpen and the demand fee for DaDemand (`job` is the
 * job the transaction names, when known). Unchecked sum: execution rejects
 * anything above 2^64-1 as TX_OVERFLOW.
 */
export function txUpfrontCost(body: TxBody, job?: Pick<Job, 'terms'>): bigint {
  const p = body.payload;
  switch (p.kind) {
    case 'transfer':
    case 'stake':
      return p.amount + body.fee;
    case 'job-submit':
      return body.fee + p.terms.bounty + p.terms.attestReward;
    case 'job-accept':
      return body.fee + (job?.terms.solverStake ?? 0n);
    case 'dispute-open':
      return body.fee + (job?.terms.dispute.bond ?? 0n);
    case 'da-demand':
      return body.fee + (job?.terms.dispute.demandFee ?? 0n);
    default:
      return body.fee;
  }
}
