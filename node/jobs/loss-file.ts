// The solver's committed loss curve on disk (docs/jobs.md §1.1): <job folder>/losses.bin holds
// loss_0 .. loss_{T-1} as float32 big-endian (4 bytes each), exactly the bits under the loss root.
// meta.json's lossRoot says the file belongs to the record; a record without one commits no curve.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOSS_BYTES, lossBits, lossLeafProof, lossesOfBits, lossRoot, segmentBounds, segmentCount } from '../../ml-runtime/index.ts';
import { JobsError } from './errors.ts';
import { writeAllSync } from './artifact-files.ts';
import { bytesToHex, concatBytes, equalBytes, merkleRoot } from '../../primitives/index.ts';

export const LOSSES = 'losses.bin';

/** Writes losses.bin durably and returns the loss root of these losses. */
export function writeLossFile(dir: string, losses: readonly number[], T: number, k: number): Uint8Array {
  const bytes = concatBytes(...losses.map(lossBits));
  const fd = openSync(join(dir, LOSSES), 'w');
  try {
    writeAllSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return lossRoot(losses, T, k);
}

/** The committed loss curve of a finished record: its bits, checked against the recorded root. */
export class LossCurveFile {
  private constructor(readonly bits: Uint8Array, readonly T: number, readonly k: number, readonly root: Uint8Array) {}

  static async read(dir: string, T: number, k: number, root: Uint8Array, jobId: Uint8Array): Promise<LossCurveFile> {
    const bits = await readFile(join(dir, LOSSES)).then((b) => new Uint8Array(b), () => null);
    const what = `${LOSSES} of job ${bytesToHex(jobId)}`;
    if (!bits) throw new JobsError('ARTIFACTS_CORRUPT', `${what} is missing but meta.json records a loss root`);
    if (bits.length !== T * LOSS_BYTES) throw new JobsError('ARTIFACTS_CORRUPT', `${what} has ${bits.length} bytes, expected ${T * LOSS_BYTES}`);
    const f = new LossCurveFile(bits, T, k, root);
    if (!equalBytes(merkleRoot(f.leaves()), root)) throw new JobsError('ARTIFACTS_CORRUPT', `${what} no longer matches the committed loss root`);
    return f;
  }

  /** One leaf per segment: the f32be bits of its steps. */
  leaves(): Uint8Array[] {
    return Array.from({ length: segmentCount(this.T, this.k) }, (_, j) => {
      const { from, to } = segmentBounds(this.T, this.k, j);
      return this.bits.subarray(from * LOSS_BYTES, to * LOSS_BYTES);
    });
  }

  /** Segment j's loss leaf and its siblings under the loss root. */
  leaf(j: number): { losses: Uint8Array; lossSiblings: Uint8Array[] } {
    const leaves = this.leaves();
    return { losses: leaves[j]!, lossSiblings: lossLeafProof(leaves, j).siblings };
  }

  values(): number[] {
    return lossesOfBits(this.bits);
  }
}
