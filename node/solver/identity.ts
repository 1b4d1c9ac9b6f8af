// The solver's libp2p identity and listen addresses persist in its data dir: the peer id and
// addresses it announced in JobAccept are on chain, so after a restart (even a kill -9) it must come
// back as the same peer on the same addresses, or verifiers could not fetch its openings.
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreateP2pKey } from '../keystore/index.ts';

const ADDRS_FILE = 'p2p-listen.json';

export interface SolverIdentity {
  keySeed: Uint8Array;
  /** listen addresses bound the last time (concrete ports), or null on a first start */
  previousListen: string[] | null;
}

export async function loadSolverIdentity(dataDir: string): Promise<SolverIdentity> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keySeed = await loadOrCreateP2pKey(dataDir);
  let previousListen: string[] | null = null;
  try {
    const v = JSON.parse(await readFile(join(dataDir, ADDRS_FILE), 'utf8')) as unknown;
    if (Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string' && a.startsWith('/'))) previousListen = v as string[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
  }
  return { keySeed, previousListen };
}

/** Records the bound addresses (without the /p2p/<id> suffix) for the next start. */
export async function saveListenAddrs(dataDir: string, multiaddrs: readonly string[]): Promise<void> {
  const listen = [...new Set(multiaddrs.map((a) => a.replace(/\/p2p\/[^/]+$/, '')))];
  const tmp = join(dataDir, `${ADDRS_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(listen) + '\n');
  await rename(tmp, join(dataDir, ADDRS_FILE));
}
