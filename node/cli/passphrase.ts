import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { NodeError } from '../util/index.ts';
import { errorMessage } from '../../primitives/index.ts';

/**
 * Where a keystore passphrase comes from, in order: --passphrase-file, POLCHAIN_PASSPHRASE, an
 * interactive prompt when stdin is a terminal. A non-interactive run with none of them is an error.
 */
export async function getPassphrase(file: string | undefined, purpose: string): Promise<string> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new NodeError('KEY_UNAVAILABLE', `cannot read passphrase file ${file}: ${errorMessage(e)}`);
    }
  }
  const env = process.env.POLCHAIN_PASSPHRASE;
  if (env !== undefined && env !== '') return env;
  if (!process.stdin.isTTY) throw new NodeError('KEY_UNAVAILABLE', `a passphrase is needed to ${purpose}: pass --passphrase-file FILE or set POLCHAIN_PASSPHRASE`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question(`passphrase to ${purpose}: `, resolve));
  } finally {
    rl.close();
  }
}
