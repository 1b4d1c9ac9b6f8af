import { readFile } from 'node:fs/promises';
import { createGenesisState, type ChainState } from '../vm/index.ts';
import { GenesisError } from './errors.ts';
import { parseGenesis } from './parse.ts';
import type { Genesis } from './types.ts';
import { errorMessage } from '../primitives/index.ts';

const MAX_GENESIS_FILE = 64 * 1024 * 1024;

export async function loadGenesisFile(path: string): Promise<Genesis> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_GENESIS_FILE) throw new GenesisError('GENESIS_INVALID', `genesis file ${path} is ${buf.length} bytes; the limit is ${MAX_GENESIS_FILE}`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof GenesisError) throw e;
    throw new GenesisError('GENESIS_UNREADABLE', `cannot read genesis file ${path}: ${errorMessage(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GenesisError('GENESIS_NOT_JSON', `genesis file ${path} is not valid JSON: ${errorMessage(e)}`);
  }
  return parseGenesis(json);
}

export function genesisState(g: Genesis): ChainState {
  try {
    return createGenesisState(g);
  } catch (e) {
    throw new GenesisError('GENESIS_INVALID', `genesis: ${errorMessage(e)}`);
  }
}
