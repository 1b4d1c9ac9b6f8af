import { existsSync, readFileSync } from 'node:fs';

import { GuardedSigner, type LastSigned, type SignStep } from '../../consensus/index.ts';
import { NodeError, parseStateJson } from '../util/index.ts';
import { writeFileDurableSync } from './durable-file.ts';
import { bytesToHex, errorMessage, hexToBytes } from '../../primitives/index.ts';

const HEX = /^(?:[0-9a-f]{2})+$/;

/**
 * The guarded signer's history (its latest height's signatures), as a durable JSON file. A damaged
 * file is refused with STATE_FILE_DAMAGED: guessing would risk a double sign.
 */
export function loadSignHistory(path: string): LastSigned[] {
  if (!existsSync(path)) return [];
  const bad = (why: string) => new NodeError('STATE_FILE_DAMAGED', `${path} (the double-sign history) is damaged: ${why}; restore it from a backup, or remove it and start with --accept-missing-sign-history once you are sure this validator signed nothing at the current height (signing twice is slashed)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw bad(errorMessage(e));
  }
  const j = parseStateJson(text, bad);
  if (!Array.isArray(j)) throw bad('expected a JSON array');
  return j.map((x: unknown, i) => {
    const o = x as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw bad(`entry ${i} is not an object`);
    if (typeof o.height !== 'string' || !/^\d{1,20}$/.test(o.height)) throw bad(`entry ${i}: height must be a decimal string`);
    if (!Number.isSafeInteger(o.round) || (o.round as number) < 0) throw bad(`entry ${i}: round must be a non-negative integer`);
    if (!Number.isSafeInteger(o.step)) throw bad(`entry ${i}: step must be an integer`);
    if (typeof o.signBytes !== 'string' || !HEX.test(o.signBytes)) throw bad(`entry ${i}: signBytes must be hex`);
    if (typeof o.signature !== 'string' || !HEX.test(o.signature)) throw bad(`entry ${i}: signature must be hex`);
    return { height: BigInt(o.height), round: o.round as number, step: o.step as SignStep, signBytes: hexToBytes(o.signBytes), signature: hexToBytes(o.signature) };
  });
}

export function saveSignHistory(path: string, history: readonly LastSigned[]): void {
  writeFileDurableSync(path, JSON.stringify(history.map((x) => ({
    height: x.height.toString(), round: x.round, step: x.step, signBytes: bytesToHex(x.signBytes), signature: bytesToHex(x.signature),
  }))));
}

/**
 * The validator's double-sign guard, resuming from and persisting to the history file at `path`.
 * `beforePersist` runs before each new signature is recorded (the consensus WAL's sync): if it
 * throws, nothing is recorded and no signature is returned.
 */
export function openGuardedSigner(seed: Uint8Array, path: string, beforePersist: () => void = () => {}): GuardedSigner {
  const history = loadSignHistory(path);
  if (!existsSync(path)) saveSignHistory(path, history);
  return new GuardedSigner(seed, { history, persist: (h) => { beforePersist(); saveSignHistory(path, h); } });
}

/**
 * A validator that has signed before (`signedBefore`: its data dir recorded it as this validator,
 * or its signature is in the chain) and whose history file is gone could sign a second, different
 * vote at a height it already voted on. Refused unless the operator accepts it explicitly.
 */
export function checkSignHistoryPresent(path: string, signedBefore: string | null, accept: boolean, warn: (msg: string) => void): void {
  if (existsSync(path)) return;
  if (signedBefore !== null && !accept) {
    throw new NodeError('SIGN_HISTORY_MISSING', `${path} (the double-sign history) is missing, but ${signedBefore}; restore it from a backup, or wait until the chain has moved past the height you last signed at and start with --accept-missing-sign-history (signing twice is slashed)`);
  }
  if (signedBefore !== null) warn(`${path} is missing although ${signedBefore}; starting anyway (--accept-missing-sign-history): the double-sign guard starts empty`);
  // Created before the data dir records that it runs this validator, so that a start killed in
  // between is not refused next time: from here on, its absence means it was lost.
  saveSignHistory(path, []);
}
