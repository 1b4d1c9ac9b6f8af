import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NodeError, parseStateJson } from '../util/index.ts';
import { errorMessage } from '../../primitives/index.ts';

/**
 * What a data dir is: its chain (id and genesis hash), the engine that decides its blocks and the
 * validator it signs as. Recorded at `init`/`devnet` in `<data-dir>/identity.json` and, from the
 * first start on, in the database too, so that no missing file (config.json, the key) can make a
 * node change chain or engine, or quietly stop signing: a start that disagrees is refused.
 */
export interface DataDirIdentity {
  version: 1;
  chainId: string;
  /** hex, no 0x */
  genesisHash: string;
  /** Absent until the first start (init does not know which engine the operator will choose). */
  engine?: 'solo' | 'bft';
  /** pol1 address of the validator key this data dir runs, or null for a follower. */
  validator: string | null;
}

export const identityPath = (dataDir: string) => join(dataDir, 'identity.json');

/** Strict parse; `where` names the file (or database key) in the error. */
export function parseIdentity(text: string, where: string): DataDirIdentity {
  const bad = (why: string) => new NodeError('STATE_FILE_DAMAGED', `${where}: ${why}; remove it and start again (the node rewrites it from its database) or restore it from a backup`);
  const j = parseStateJson(text, bad);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw bad('expected a JSON object');
  const o = j as Record<string, unknown>;
  if (o.version !== 1) throw bad(`unsupported version ${JSON.stringify(o.version)}`);
  if (typeof o.chainId !== 'string' || o.chainId === '') throw bad('chainId must be a non-empty string');
  if (typeof o.genesisHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.genesisHash)) throw bad('genesisHash must be 64 hex digits');
  if (o.engine !== undefined && o.engine !== 'solo' && o.engine !== 'bft') throw bad('engine must be "solo" or "bft"');
  if (o.validator !== null && (typeof o.validator !== 'string' || !o.validator.startsWith('pol1'))) throw bad('validator must be a pol1 address or null');
  return { version: 1, chainId: o.chainId, genesisHash: o.genesisHash, ...(o.engine === undefined ? {} : { engine: o.engine }), validator: o.validator as string | null };
}

export async function readIdentityFile(path: string): Promise<DataDirIdentity | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NodeError('STATE_FILE_DAMAGED', `cannot read ${path}: ${errorMessage(e)}`);
  }
  return parseIdentity(text, path);
}

export const identityJson = (id: DataDirIdentity): string => JSON.stringify(id, null, 2) + '\n';

/** Temp file, fsync, rename, fsync dir: a crash leaves the old record or the new one. */
export function writeIdentityFile(path: string, id: DataDirIdentity): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, identityJson(id));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try { fsyncSync(dfd); } catch { /* some filesystems refuse directory fsync */ } finally { closeSync(dfd); }
}

/** What this start would run, and where its engine setting came from (for the hint). */
export interface StartIdentity {
  chainId: string;
  genesisHash: string;
  engine: 'solo' | 'bft';
  /** e.g. 'the default (config.json is missing)' or '--engine' */
  engineSource: string;
}

/**
 * Refuses a start whose chain or engine differs from what the data dir recorded. Returns the
 * record to store (the recorded one with the engine filled in at the first start).
 */
export function checkIdentity(recorded: DataDirIdentity | null, now: StartIdentity, dataDir: string): DataDirIdentity {
  if (!recorded) return { version: 1, chainId: now.chainId, genesisHash: now.genesisHash, engine: now.engine, validator: null };
  if (recorded.chainId !== now.chainId || recorded.genesisHash !== now.genesisHash) {
    throw new NodeError('GENESIS_MISMATCH', `${dataDir} holds chain ${recorded.chainId} (genesis ${recorded.genesisHash}), but this start was given chain ${now.chainId} (genesis ${now.genesisHash}); pass that chain's genesis (or restore <data-dir>/genesis.json) or use another --data-dir; if it was never given another genesis, its database or identity.json is damaged: run \`polchain db check\``);
  }
  if (recorded.engine !== undefined && recorded.engine !== now.engine) {
    throw new NodeError('DATADIR_IDENTITY_MISMATCH', `${dataDir} runs the ${recorded.engine} engine, but this start would run ${now.engine} (from ${now.engineSource}); a node never changes engine: restore config.json or set engine "${recorded.engine}" (config.json, --engine ${recorded.engine} or POLCHAIN_ENGINE)`);
  }
  return { ...recorded, engine: now.engine };
}
