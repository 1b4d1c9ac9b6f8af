import { existsSync, readFileSync } from 'node:fs';

import { GuardedSigner, type LastSigned, type SignStep } from '../../consensus/index.ts';
import { writeFileDurableSync } from './durable-file.ts';
import { bytesToHex, hexToBytes } from '../../primitives/index.ts';

/** The guarded signer's history (its latest height's signatures), as a durable JSON file. */
export function loadSignHistory(path: string): LastSigned[] {
  if (!existsSync(path)) return [];
  const j = JSON.parse(readFileSync(path, 'utf8')) as Array<{ height: string; round: number; step: number; signBytes: string; signature: string }>;
  return j.map((x) => ({ height: BigInt(x.height), round: x.round, step: x.step as SignStep, signBytes: hexToBytes(x.signBytes), signature: hexToBytes(x.signature) }));
}

export function saveSignHistory(path: string, history: readonly LastSigned[]): void {
  writeFileDurableSync(path, JSON.stringify(history.map((x) => ({
    height: x.height.toString(), round: x.round, step: x.step, signBytes: bytesToHex(x.signBytes), signature: bytesToHex(x.signature),
  }))));
}

/** The validator's double-sign guard, resuming from and persisting to the history file at `path`. */
export function openGuardedSigner(seed: Uint8Array, path: string): GuardedSigner {
  return new GuardedSigner(seed, { history: loadSignHistory(path), persist: (h) => saveSignHistory(path, h) });
}
