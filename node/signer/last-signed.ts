import { open, rename, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesToHex, hexToBytes, sha256, equalBytes } from '../../vm/index.ts';

/** Steps in the order they are signed within a round. */
export const SignStep = { Propose: 1, Prevote: 2, Precommit: 3 } as const;
export type SignStepValue = (typeof SignStep)[keyof typeof SignStep];

export interface LastSigned {
  height: bigint;
  round: number;
  step: SignStepValue;
  signBytesHash: Uint8Array;
  signature: Uint8Array;
}

export class DoubleSignError extends Error {
  override readonly name = 'DoubleSignError';
  readonly code = 'DOUBLE_SIGN_REFUSED';
}

/** Writes a file so that after a crash either the old or the new content is there, never a mix. */
export async function writeFileDurable(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export async function readLastSigned(path: string): Promise<LastSigned | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const j = JSON.parse(text) as { height: string; round: number; step: SignStepValue; signBytesHash: string; signature: string };
  return { height: BigInt(j.height), round: j.round, step: j.step, signBytesHash: hexToBytes(j.signBytesHash), signature: hexToBytes(j.signature) };
}

function compareHrs(a: { height: bigint; round: number; step: number }, b: { height: bigint; round: number; step: number }): number {
  if (a.height !== b.height) return a.height < b.height ? -1 : 1;
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  return a.step - b.step;
}

/**
 * The double-sign guard (CometBFT's FilePV idea): the last signed (height, round, step) is made
 * durable before a signature is returned, and nothing at or below it is signed again unless it is
 * byte-for-byte the same message (then the stored signature is returned, so a restarted validator
 * can re-broadcast but never sign two different votes for one height/round/step).
 */
export class SignGuard {
  private constructor(
    private readonly path: string,
    private last: LastSigned | null,
    private readonly signer: (bytes: Uint8Array) => Uint8Array,
  ) {}

  static async open(path: string, signer: (bytes: Uint8Array) => Uint8Array): Promise<SignGuard> {
    return new SignGuard(path, await readLastSigned(path), signer);
  }

  get lastSigned(): LastSigned | null {
    return this.last;
  }

  async sign(height: bigint, round: number, step: SignStepValue, signBytes: Uint8Array): Promise<Uint8Array> {
    const hash = sha256(signBytes);
    const hrs = { height, round, step };
    if (this.last) {
      const c = compareHrs(hrs, this.last);
      if (c === 0) {
        if (equalBytes(hash, this.last.signBytesHash)) return this.last.signature;
        throw new DoubleSignError(`refusing to sign a different message at height ${height} round ${round} step ${step}`);
      }
      if (c < 0) {
        throw new DoubleSignError(`refusing to sign height ${height} round ${round} step ${step}: already signed height ${this.last.height} round ${this.last.round} step ${this.last.step}`);
      }
    }
    const signature = this.signer(signBytes);
    const next: LastSigned = { height, round, step, signBytesHash: hash, signature };
    await writeFileDurable(this.path, JSON.stringify({ height: height.toString(), round, step, signBytesHash: bytesToHex(hash), signature: bytesToHex(signature) }));
    this.last = next;
    return signature;
  }
}
