/**
 * A directory of encrypted key files `<name>.json` (mode 0600, directory 0700), written atomically:
 * temp file (O_EXCL, 0600) + fsync + link into place (never overwrites) + unlink temp + fsync directory.
 */
import { mkdir, open, readdir, readFile, link, unlink, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeystoreError } from './errors.ts';
import { decryptKeyAsync, encryptKeyAsync, parseKeystoreFile, type EncryptOptions, type KeystoreFile } from './file-format.ts';

export interface KeyInfo {
  name: string;
  /** bech32m 'pol1...' address. */
  address: string;
  /** hex ed25519 public key. */
  publicKey: string;
}

const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new KeystoreError('KEYSTORE_BAD_NAME', `key name ${JSON.stringify(name)} is invalid: use 1-64 of [A-Za-z0-9._-], not starting with "."`);
  }
}

export class Keystore {
  readonly dir: string;
  private readonly encryptOptions: EncryptOptions;

  /** @param encryptOptions scrypt cost etc. for new files (default N = 2^15); lower N only in tests. */
  constructor(dir: string, encryptOptions: EncryptOptions = {}) {
    this.dir = dir;
    this.encryptOptions = encryptOptions;
  }

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  private async readFile(name: string): Promise<KeystoreFile> {
    checkName(name);
    let text: string;
    try {
      text = await readFile(this.path(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KeystoreError('KEYSTORE_NOT_FOUND', `no key named "${name}" in ${this.dir}`);
      throw e;
    }
    if (text.trim() === '') throw new KeystoreError('KEYSTORE_MALFORMED', `key file ${this.path(name)} is empty (${text.length} bytes)`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KeystoreError('KEYSTORE_MALFORMED', `key file ${this.path(name)} is not valid JSON (truncated? ${text.length} bytes)`);
    }
    try {
      parseKeystoreFile(json);
    } catch (e) {
      if (e instanceof KeystoreError) throw new KeystoreError(e.code, `${this.path(name)}: ${e.message}`);
      throw e;
    }
    return json as KeystoreFile;
  }

  /** Valid key files, sorted by name. Files that are not valid keystore files are left out. */
  async list(): Promise<KeyInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: KeyInfo[] = [];
    for (const f of names.sort()) {
      if (!f.endsWith('.json')) continue;
      const name = f.slice(0, -5);
      if (!NAME_RE.test(name)) continue;
      try {
        out.push(await this.show(name));
      } catch (e) {
        if (e instanceof KeystoreError) continue;
        throw e;
      }
    }
    return out;
  }

  /** Public information of one key, without the passphrase. */
  async show(name: string): Promise<KeyInfo> {
    const f = await this.readFile(name);
    return { name, address: f.address, publicKey: f.publicKey };
  }

  /** Encrypts `seed` under `passphrase` into `<name>.json`. Throws KEYSTORE_EXISTS if the name is taken. */
  async create(name: string, seed: Uint8Array, passphrase: string): Promise<KeyInfo> {
    checkName(name);
    const file = await encryptKeyAsync(seed, passphrase, this.encryptOptions);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const final = this.path(name);
    const tmp = join(this.dir, `.${name}.json.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(file, null, 2) + '\n', 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await chmod(tmp, 0o600); // in case of a permissive umask on exotic filesystems
      await link(tmp, final); // atomic, and fails instead of overwriting
    } catch (e) {
      await unlink(tmp).catch(() => {});
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new KeystoreError('KEYSTORE_EXISTS', `a key named "${name}" already exists in ${this.dir}`);
      throw e;
    }
    await unlink(tmp);
    const dh = await open(this.dir, 'r');
    try { await dh.sync(); } catch { /* some filesystems refuse directory fsync */ } finally { await dh.close(); }
    return { name, address: file.address, publicKey: file.publicKey };
  }

  /** The validated key file of `<name>.json`, as stored (encrypted): the `keys export` form. */
  async exportFile(name: string): Promise<KeystoreFile> {
    return this.readFile(name);
  }

  /** Decrypts the seed of `<name>.json`. Throws KEYSTORE_NOT_FOUND, KEYSTORE_BAD_PASSPHRASE or KEYSTORE_MALFORMED. */
  async load(name: string, passphrase: string): Promise<Uint8Array> {
    const f = await this.readFile(name);
    return decryptKeyAsync(f, passphrase);
  }
}
