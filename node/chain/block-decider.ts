/** What `node/rpc-methods` reports as `node_status.consensus`. */
export interface DeciderStatus {
  engine: 'solo' | 'bft';
  height?: bigint;
  round?: number;
  step?: string;
  lockedRound?: number;
  /** True while blocks are downloaded from peers (more than the normal one-block skew behind). */
  syncing: boolean;
}

/**
 * What the node needs from whatever decides blocks: a single validator on a timer (SoloProducer)
 * or Tendermint over libp2p (BftDriver). Both commit through `commitDecidedBlock`.
 */
export interface BlockDecider {
  /** Loads what the first decision needs from the store; called once, before start. */
  init(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  status(): DeciderStatus;
}
