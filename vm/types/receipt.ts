/** Event kinds; numeric tags are hashed into receipts. */
export const EventKind = {
  Transfer: 1, Fee: 2, Stake: 3, Unbond: 4, UnbondComplete: 5, Slash: 6,
  // docs/jobs.md §5. A job's money events carry the account paid or charged; zero amounts are not emitted.
  JobEscrow: 7, JobBond: 8, JobPayout: 9, JobRefund: 10, JobSlash: 11, JobReward: 12,
  // docs/disputes.md §6
  JobSlashShare: 13, // a share of a slashed solver bond, to a challenger or a catching member (counterparty: the solver)
  DisputeBond: 14, // a disputer's bond or a demander's fee, escrowed
  DisputeAward: 15, // the winner of a dispute gets the loser's bond or a share of a member's slash (counterparty: the loser)
  LivenessPenalty: 16, // a silent committee member's stake burned (docs/jobs.md §4)
} as const;
export type EventKindTag = (typeof EventKind)[keyof typeof EventKind];

export interface ChainEvent {
  kind: EventKindTag;
  address: Uint8Array; // the account the event is about
  counterparty: Uint8Array | null;
  amount: bigint;
}

export interface Receipt {
  txHash: Uint8Array;
  height: bigint;
  index: number;
  sender: Uint8Array;
  fee: bigint;
  events: ChainEvent[];
}
