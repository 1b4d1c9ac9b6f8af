// What a watchtower tells its operator, as data (onEvent) and as the readable line `polchain watch`
// prints for it. Structured logs (pino) carry the same facts for machines.
import type { SegmentCheck } from './segment-check.ts';
import { lossesOfBits } from '../../ml-runtime/index.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

export type WatchEvent =
  | { type: 'started'; address: string; chainId: string; fraction: number; peerId: string }
  | { type: 'job'; jobId: string; segments: number[]; of: number; sampled: number[]; windowEnd: bigint }
  | { type: 'checked'; jobId: string; check: SegmentCheck }
  | { type: 'dispute-opened'; jobId: string; segment: number; txHash: string; bond: bigint | null }
  | { type: 'dispute-stage'; jobId: string; index: number; stage: string; step: number; why: string }
  | { type: 'dispute-move'; jobId: string; index: number; move: 'state' | 'samples'; step: number; txs: number }
  | { type: 'dispute-resolved'; jobId: string; index: number; segment: number; won: boolean; reason: string }
  | { type: 'status'; line: string }
  | { type: 'problem'; jobId: string | null; code: string; message: string; retryInMs: number | null };

export const shortId = (hex: string): string => `${hex.replace(/^0x/, '').slice(0, 10)}…`;
const h = (b: Uint8Array): string => `0x${bytesToHex(b).slice(0, 12)}…`;

/** A loss-committed job's mismatch whose hashes all agree: only the committed losses differ from the replay's. */
const lossOnly = (c: SegmentCheck): boolean => c.firstDiff !== null && !!c.solverLosses && !!c.replayedLosses && !!c.solverTrace
  && c.solverTrace.every((x, i) => equalBytes(x, c.replayed[i]!));
const lossAt = (bits: Uint8Array, i: number): string => String(lossesOfBits(bits.subarray(i * 4, i * 4 + 4))[0]);

/** One line per event; null for those not worth a line. */
export function formatEvent(e: WatchEvent): string | null {
  switch (e.type) {
    case 'started':
      return `watching as ${e.address} on ${e.chainId} (peer ${e.peerId}); replaying ${Math.round(e.fraction * 100)}% of the unsampled segments of each job`;
    case 'job':
      return `job ${shortId(e.jobId)}: window open until height ${e.windowEnd}; sampled [${e.sampled.join(', ')}] of ${e.of}; replaying [${e.segments.join(', ')}]`;
    case 'checked': {
      const c = e.check;
      const what = c.verdict === 'match' ? 'matches the solver\'s commitment'
        : c.verdict === 'inconsistent' ? 'the solver\'s trace does not start at its own checkpoint (a dispute would lose; skipped)'
          : lossOnly(c)
            ? `MISMATCH from step ${c.firstDiff}: every hash matches, but the loss of step ${c.firstDiff! - 1} is ${lossAt(c.replayedLosses!, c.firstDiff! - 1 - c.from)} in the replay and ${lossAt(c.solverLosses!, c.firstDiff! - 1 - c.from)} committed`
            : `MISMATCH${c.firstDiff !== null ? ` from step ${c.firstDiff}` : ''}: replay ends ${h(c.replayed[c.replayed.length - 1]!)}, solver committed ${h(c.solverTrace?.[c.solverTrace.length - 1] ?? c.committedEnd)}`;
      return `job ${shortId(e.jobId)} segment ${c.segment} (steps ${c.from}..${c.to}): ${what}`;
    }
    case 'dispute-opened':
      return `job ${shortId(e.jobId)}: dispute opened on segment ${e.segment}${e.bond !== null ? ` with bond ${e.bond}` : ''} (tx ${shortId(e.txHash)})`;
    case 'dispute-stage':
      return `job ${shortId(e.jobId)} dispute ${e.index}: ${e.stage}${e.stage === 'referee' ? ` at step ${e.step}` : ''}; waiting for ${e.why}`;
    case 'dispute-move':
      return `job ${shortId(e.jobId)} dispute ${e.index}: sent ${e.move === 'state' ? `state_${e.step}` : `the samples of step ${e.step}'s batch`} in ${e.txs} transaction(s)`;
    case 'dispute-resolved':
      return e.won
        ? `job ${shortId(e.jobId)} dispute ${e.index} WON (${e.reason}): segment ${e.segment} was faked; the solver is slashed, bond returned with a slash share`
        : `job ${shortId(e.jobId)} dispute ${e.index} LOST (${e.reason}): the solver's segment ${e.segment} stands; the bond went to the solver`;
    case 'status':
      return e.line;
    case 'problem':
      return `${e.jobId ? `job ${shortId(e.jobId)}: ` : ''}${e.code}: ${e.message}${e.retryInMs !== null ? ` (retrying in ${Math.round(e.retryInMs / 1000)} s)` : ''}`;
  }
}
