import { readFile } from 'node:fs/promises';
import { NodeError } from '../util/index.ts';
import { errorMessage } from '../../primitives/index.ts';

export interface PassphraseOptions {
  /** A new passphrase (a key is being encrypted): the prompt asks twice, and an empty one is warned about. */
  confirm?: boolean;
}

const EMPTY_WARNING = 'warning: the passphrase is empty; anyone who can read the key file can use the key';

/** Reads a whole file, or all of stdin for "-", as text. */
export async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    throw new NodeError('KEY_UNAVAILABLE', `cannot read ${what} ${file === '-' ? 'from stdin' : `file ${file}`}: ${errorMessage(e)}`);
  }
}

/**
 * Where a keystore passphrase comes from, in order: --passphrase-file (FILE, or "-" for piped stdin;
 * its first line), POLCHAIN_PASSPHRASE, an interactive prompt when stdin is a terminal. A
 * non-interactive run with none of them is an error.
 */
export async function getPassphrase(file: string | undefined, purpose: string, opts: PassphraseOptions = {}): Promise<string> {
  let passphrase: string;
  if (file) passphrase = (await readSecretFile(file, 'passphrase')).replace(/\r?\n$/, '');
  else if (process.env.POLCHAIN_PASSPHRASE) passphrase = process.env.POLCHAIN_PASSPHRASE;
  else if (!process.stdin.isTTY) throw new NodeError('KEY_UNAVAILABLE', `a passphrase is needed to ${purpose}: pass --passphrase-file FILE (or - for stdin) or set POLCHAIN_PASSPHRASE`);
  else {
    passphrase = await readHidden(`passphrase to ${purpose}: `);
    if (opts.confirm) {
      if (passphrase === '') process.stderr.write(`${EMPTY_WARNING}; press Enter again to confirm\n`);
      const again = await readHidden('repeat the passphrase: ');
      if (again !== passphrase) throw new NodeError('PASSPHRASE_MISMATCH', 'the two passphrases differ; nothing was written, run the command again');
    }
    return passphrase;
  }
  if (opts.confirm && passphrase === '') process.stderr.write(EMPTY_WARNING + '\n');
  return passphrase;
}

/**
 * Reads one line from the terminal with echo off: raw mode hands us each keystroke and we print
 * none of them (not even '*', which would show the length). Enter ends the line, Backspace deletes,
 * Ctrl-U clears, Ctrl-C / Ctrl-D on an empty line abort; escape sequences (arrow keys) are ignored.
 */
export function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // echo off before the prompt shows: whatever is typed once it is visible must not be echoed
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.resume();
  stdin.setEncoding('utf8');
  let line = '';
  return new Promise<string>((resolve, reject) => {
    const done = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (let i = 0; i < chunk.length; i++) {
        const ch = chunk[i]!;
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || (ch === '\u0004' && line === '')) return done(new NodeError('INTERRUPTED', 'passphrase entry cancelled'));
        if (ch === '\u007f' || ch === '\b') line = [...line].slice(0, -1).join('');
        else if (ch === '\u0015') line = '';
        else if (ch === '\u001b') i = chunk.length; // an escape sequence: drop the rest of this chunk
        else if (ch >= ' ') line += ch;
      }
    };
    stdin.on('data', onData);
  });
}
