import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  Keystore, KeystoreError, decryptKeyAsync, parseKeystoreFile, seedToMnemonic, mnemonicToSeed, type KeystoreFile,
} from '../../keystore/index.ts';
import { dataDirLayout } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import { getPassphrase, readHidden, readSecretFile } from '../passphrase.ts';
import { dataDir, KEYSTORE_FLAGS } from '../wallet-flags.ts';
import type { CliCommand } from '../command.ts';

const usage = [
  'polchain keys new NAME | list | show NAME',
  'polchain keys export NAME [--mnemonic] [--out FILE]',
  'polchain keys import NAME (--keystore FILE | --mnemonic [--mnemonic-file FILE])',
  '  [--data-dir DIR] [--passphrase-file FILE]',
].join('\n       ');
const about = [
  'Forms of a key (docs/crypto.md, "Exporting and importing keys"): export writes the key\'s keystore file',
  '(the seed encrypted under its passphrase, scrypt + AES-256-GCM) or, with --mnemonic, the seed as 24',
  'BIP-39 words, which are the key itself: anyone who reads them can sign. import takes either form; a',
  'keystore file is checked against its passphrase and re-encrypted under it, a mnemonic asks for a new one.',
].join('\n');
const flags: Options = {
  mnemonic: { type: 'boolean', help: 'export: print the 24-word mnemonic; import: read one (prompted without echo, or --mnemonic-file)' },
  'mnemonic-file': { type: 'string', arg: 'FILE', help: 'import: read the mnemonic from FILE (- for stdin)' },
  keystore: { type: 'string', arg: 'FILE', help: 'import: a keystore file (as keys export writes it)' },
  out: { type: 'string', arg: 'FILE', help: 'export: write to FILE (created with mode 0600, never overwritten) instead of stdout' },
  ...KEYSTORE_FLAGS,
};

const subFlags: Record<string, string[]> = { export: ['mnemonic', 'out'], import: ['mnemonic', 'mnemonic-file', 'keystore'] };

export const command: CliCommand = {
  name: 'keys', summary: 'manage the encrypted keystore (new, list, show, import, export)', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, about)), 0);
    const ks = new Keystore(dataDirLayout(dataDir(values)).keys);
    const [sub, name, ...rest] = positionals;
    if (rest.length) throw new NodeError('USAGE', `unexpected arguments: ${rest.join(' ')}\nusage: ${usage}`);
    for (const f of ['mnemonic', 'mnemonic-file', 'keystore', 'out']) {
      if (values[f] !== undefined && !subFlags[sub ?? '']?.includes(f)) throw new NodeError('USAGE', `--${f} is not a flag of keys ${sub ?? ''}\nusage: ${usage}`);
    }
    if (sub !== 'list' && sub !== undefined && !name) throw new NodeError('USAGE', `keys ${sub} needs a NAME\nusage: ${usage}`);
    const passphraseFile = values['passphrase-file'] as string | undefined;
    switch (sub) {
      case 'new': {
        const passphrase = await getPassphrase(passphraseFile, `encrypt key "${name}"`, { confirm: true });
        console.log(JSON.stringify(await ks.create(name!, new Uint8Array(randomBytes(32)), passphrase), null, 2));
        return 0;
      }
      case 'list':
        if (name) throw new NodeError('USAGE', `keys list takes no NAME\nusage: ${usage}`);
        for (const k of await ks.list()) console.log(`${k.name.padEnd(20)} ${k.address}`);
        return 0;
      case 'show':
        console.log(JSON.stringify(await ks.show(name!), null, 2));
        return 0;
      case 'export':
        return exportKey(ks, name!, values.mnemonic === true, values.out as string | undefined, passphraseFile);
      case 'import':
        return importKey(ks, name!, values, passphraseFile);
      default:
        throw new NodeError('USAGE', `unknown keys subcommand ${JSON.stringify(sub ?? '')}\nusage: ${usage}`);
    }
  },
};

async function exportKey(ks: Keystore, name: string, mnemonic: boolean, out: string | undefined, passphraseFile: string | undefined): Promise<number> {
  let text: string;
  if (mnemonic) {
    const seed = await ks.load(name, await getPassphrase(passphraseFile, `unlock key "${name}"`));
    text = seedToMnemonic(seed) + '\n';
    seed.fill(0);
    if (!out) process.stderr.write('warning: these 24 words are the key itself: anyone who reads them can sign as it\n');
  } else {
    // The file as it lies in the keystore: already passphrase-protected, so no passphrase is asked.
    text = JSON.stringify(await ks.exportFile(name), null, 2) + '\n';
  }
  if (!out) return (process.stdout.write(text), 0);
  try {
    await writeFile(out, text, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new NodeError('USAGE', `--out ${out} already exists; export never overwrites a file`);
    throw e;
  }
  console.log(JSON.stringify({ name, exported: out, form: mnemonic ? 'bip39-mnemonic' : 'polchain-keystore' }));
  return 0;
}

async function importKey(ks: Keystore, name: string, values: Record<string, unknown>, passphraseFile: string | undefined): Promise<number> {
  const keystore = values.keystore as string | undefined;
  const mnemonicFile = values['mnemonic-file'] as string | undefined;
  if ((keystore === undefined) === (values.mnemonic !== true)) throw new NodeError('USAGE', `keys import needs one of --keystore FILE or --mnemonic\nusage: ${usage}`);
  if (mnemonicFile !== undefined && values.mnemonic !== true) throw new NodeError('USAGE', '--mnemonic-file goes with --mnemonic');
  // Nothing is written until the input has been fully checked; a taken name is refused before any secret is asked for.
  if ((await ks.list()).some((k) => k.name === name)) throw new KeystoreError('KEYSTORE_EXISTS', `a key named "${name}" already exists in ${ks.dir}`);
  let seed: Uint8Array;
  let passphrase: string;
  if (keystore !== undefined) {
    const text = await readSecretFile(keystore, 'keystore');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KeystoreError('KEYSTORE_MALFORMED', `${keystore} is not valid JSON`);
    }
    parseKeystoreFile(json);
    passphrase = await getPassphrase(passphraseFile, `unlock the imported key file ${keystore}`);
    seed = await decryptKeyAsync(json as KeystoreFile, passphrase);
  } else {
    let words: string;
    if (mnemonicFile !== undefined) words = await readSecretFile(mnemonicFile, 'mnemonic');
    else if (process.stdin.isTTY) words = await readHidden('the 24 words, separated by spaces: ');
    else throw new NodeError('USAGE', 'keys import --mnemonic needs a terminal to type the words into, or --mnemonic-file FILE (- for stdin)');
    seed = mnemonicToSeed(words);
    passphrase = await getPassphrase(passphraseFile, `encrypt key "${name}"`, { confirm: true });
  }
  try {
    console.log(JSON.stringify(await ks.create(name, seed, passphrase), null, 2));
  } finally {
    seed.fill(0);
  }
  return 0;
}
