import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { NodeError } from '../util/index.ts';
import { hexToBytes, bytesToHex } from '../../primitives/index.ts';

export const p2pKeyPath = (dataDir: string) => join(dataDir, 'p2p.key');

/** The node's libp2p identity seed (hex in <data-dir>/p2p.key), so its peer id survives restarts. */
export async function loadOrCreateP2pKey(dataDir: string): Promise<Uint8Array> {
  const path = p2pKeyPath(dataDir);
  try {
    const hex = (await readFile(path, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new NodeError('STATE_FILE_DAMAGED', `${path} (this node's libp2p identity) is damaged: expected 64 hex digits, got ${hex.length === 0 ? 'an empty file' : `${hex.length} characters`}; restore it from a backup, or remove it to start with a new peer id (peers that bootstrap from the old /p2p/<id> must be told)`);
    }
    return hexToBytes(hex);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const seed = new Uint8Array(randomBytes(32));
  await writeFile(path, bytesToHex(seed) + '\n', { mode: 0o600, flag: 'wx' });
  return seed;
}
