// How a watchtower, which is on no committee, gets the checkpoints of a job that is not finalized
// yet: the solver serves them only to the job's committee, demanders and dispute parties (docs/da.md
// §2b), so the watchtower demands one chunk on chain (DaDemand, paying the job's demandFee to the
// solver once it posts the chunk) and fetches over DA once the solver's node shows the demand. One
// demand per job: it buys every checkpoint until the job ends. The chunk demanded is the last one of
// the checkpoint it needs first, the smallest, so the solver's answer is cheap.
import type { Logger } from 'pino';
import { JOB_LIMITS } from '../../vm/index.ts';
import { chunkCountOf, encodedLengthOf, layoutOfSpec } from '../jobs/index.ts';
import type { SentTx, WatchChain } from './chain.ts';
import type { WatchJob } from './job-view.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

export class DemandAccess {
  /** our demands sent and not yet seen on chain, by job hex */
  private readonly sent = new Map<string, SentTx>();

  constructor(private readonly chain: WatchChain, private readonly log: Logger) {}

  /**
   * Makes sure a demand of ours is on the job (one for a chunk of `checkpoint` is sent when none is
   * on chain or in flight) and says where that stands; a demand the chain refuses throws WATCH_TX_FAILED.
   */
  async demand(job: WatchJob, checkpoint: number): Promise<string> {
    const me = this.chain.address;
    const mine = job.demands.find((d) => equalBytes(d.by, me));
    if (mine) return `our demand (chunk ${mine.chunk} of checkpoint ${mine.checkpoint}) is on chain; retrying once the solver's node shows it`;
    const key = bytesToHex(job.id);
    const prev = this.sent.get(key);
    if (prev) {
      const st = await this.chain.txState(prev);
      if (st.state !== 'dropped') return `our demand (transaction ${prev.hash}) is ${st.state}`;
      this.sent.delete(key);
    }
    if (job.demands.length >= JOB_LIMITS.maxDemands || job.demands.filter((d) => !d.answered).length >= JOB_LIMITS.maxOpenDemands) {
      return 'the job has reached its limit of availability demands, so none can be made';
    }
    const n = chunkCountOf(encodedLengthOf(layoutOfSpec(job.spec)));
    let chunk = -1;
    for (let i = n - 1; i >= 0 && chunk < 0; i--) {
      // a chunk already posted on chain cannot be demanded again
      if (!job.demands.some((d) => d.checkpoint === checkpoint && d.chunk === i && d.answered)) chunk = i;
    }
    if (chunk < 0) return `every chunk of checkpoint ${checkpoint} is on chain already, so none can be demanded`;
    const tx = await this.chain.send({ kind: 'da-demand', jobId: job.id, checkpoint, chunk });
    this.sent.set(key, tx);
    this.log.info({ job: `0x${bytesToHex(job.id)}`, checkpoint, chunk, tx: tx.hash, txFee: String(tx.fee) }, 'watch: demanded a checkpoint chunk on chain to be served the job\'s checkpoints');
    return `demanded chunk ${chunk} of checkpoint ${checkpoint} on chain (transaction ${tx.hash}); retrying once the demand is on chain`;
  }
}
