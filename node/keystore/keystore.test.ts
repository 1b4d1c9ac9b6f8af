import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, readdir, writeFile, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encryptKey, decryptKey, Keystore, KeystoreError, DEFAULT_SCRYPT, KEYSTORE_VERSION, type KeystoreFile,
} from './index.ts';
import { publicKeyFromSeed, addressFromPublicKey, encodeAddress, bytesToHex, sha256 } from '../../primitives/index.ts';


const seed = sha256(new TextEncoder().encode('keystore test seed'));
const FAST = { n: 1 << 4 };
const isErr = (code: string) => (e: unknown) => e instanceof KeystoreError && e.code === code;

test('encrypt/decrypt round trip; public key and address in clear; versioned format', () => {
  const f = encryptKey(seed, 'correct horse', FAST);
  assert.equal(f.version, KEYSTORE_VERSION);
  assert.equal(f.kind, 'polchain-keystore');
  assert.equal(f.publicKey, bytesToHex(publicKeyFromSeed(seed)));
  assert.equal(f.address, encodeAddress(addressFromPublicKey(publicKeyFromSeed(seed))));
  assert.equal(f.crypto.kdf, 'scrypt');
  assert.deepEqual({ n: f.crypto.kdfparams.n, r: f.crypto.kdfparams.r, p: f.crypto.kdfparams.p }, { n: 16, r: 8, p: 1 });
  assert.equal(f.crypto.cipher, 'aes-256-gcm');
  assert.equal(f.crypto.nonce.length, 24);
  assert.equal(f.crypto.kdfparams.salt.length, 64);
  assert.equal(f.crypto.ciphertext.length, 96);
  assert.ok(!JSON.stringify(f).includes(bytesToHex(seed)), 'seed must not appear in clear');
  const round = JSON.parse(JSON.stringify(f)) as KeystoreFile;
  assert.deepEqual(decryptKey(round, 'correct horse'), seed);
  // random salt and nonce: two encryptions differ
  const g = encryptKey(seed, 'correct horse', FAST);
  assert.notEqual(g.crypto.nonce, f.crypto.nonce);
  assert.notEqual(g.crypto.kdfparams.salt, f.crypto.kdfparams.salt);
  // unicode passphrase
  const u = encryptKey(seed, 'pässwörd 🔑', FAST);
  assert.deepEqual(decryptKey(u, 'pässwörd 🔑'), seed);
  assert.throws(() => decryptKey(u, 'passwörd 🔑'), isErr('KEYSTORE_BAD_PASSPHRASE'));
});

test('default scrypt parameters are N=2^15, r=8, p=1 and decrypt', () => {
  assert.deepEqual({ ...DEFAULT_SCRYPT }, { n: 32768, r: 8, p: 1 });
  const f = encryptKey(seed, 'pw');
  assert.equal(f.crypto.kdfparams.n, 32768);
  assert.deepEqual(decryptKey(f, 'pw'), seed);
});

test('fixed salt and nonce give a reproducible file (known-answer)', () => {
  const opts = { ...FAST, salt: new Uint8Array(32).fill(1), nonce: new Uint8Array(12).fill(2) };
  const a = encryptKey(seed, 'pw', opts);
  const b = encryptKey(seed, 'pw', opts);
  assert.deepEqual(a, b);
  assert.deepEqual(decryptKey(a, 'pw'), seed);
});

test('wrong passphrase -> KEYSTORE_BAD_PASSPHRASE; tampering -> BAD_PASSPHRASE or MALFORMED', () => {
  const f = encryptKey(seed, 'right', FAST);
  assert.throws(() => decryptKey(f, 'wrong'), isErr('KEYSTORE_BAD_PASSPHRASE'));
  assert.throws(() => decryptKey(f, ''), isErr('KEYSTORE_BAD_PASSPHRASE'));
  const clone = () => JSON.parse(JSON.stringify(f)) as KeystoreFile;
  // flipped ciphertext bit: authentication fails
  const c1 = clone();
  c1.crypto.ciphertext = (c1.crypto.ciphertext[0] === '0' ? '1' : '0') + c1.crypto.ciphertext.slice(1);
  assert.throws(() => decryptKey(c1, 'right'), isErr('KEYSTORE_BAD_PASSPHRASE'));
  // swapped public key + matching address (bound by AAD): fails
  const otherPk = publicKeyFromSeed(sha256(new TextEncoder().encode('other')));
  const c2 = clone();
  c2.publicKey = bytesToHex(otherPk);
  c2.address = encodeAddress(addressFromPublicKey(otherPk));
  assert.throws(() => decryptKey(c2, 'right'), isErr('KEYSTORE_BAD_PASSPHRASE'));
  // address that does not match the public key
  const c3 = clone();
  c3.address = encodeAddress(addressFromPublicKey(otherPk));
  assert.throws(() => decryptKey(c3, 'right'), isErr('KEYSTORE_MALFORMED'));
});

test('malformed files -> KEYSTORE_MALFORMED with a reason', () => {
  const f = encryptKey(seed, 'pw', FAST);
  const mutate = (m: (x: any) => void) => { const c = JSON.parse(JSON.stringify(f)); m(c); return c; };
  const cases: Array<[string, unknown]> = [
    ['null', null],
    ['string', 'abc'],
    ['version 2', mutate((c) => { c.version = 2; })],
    ['wrong kind', mutate((c) => { c.kind = 'eth'; })],
    ['no crypto', mutate((c) => { delete c.crypto; })],
    ['kdf pbkdf2', mutate((c) => { c.crypto.kdf = 'pbkdf2'; })],
    ['cipher ctr', mutate((c) => { c.crypto.cipher = 'aes-128-ctr'; })],
    ['n not power of 2', mutate((c) => { c.crypto.kdfparams.n = 1000; })],
    ['n huge (DoS)', mutate((c) => { c.crypto.kdfparams.n = 2 ** 30; })],
    ['each in range, together 4 GiB (DoS)', mutate((c) => { c.crypto.kdfparams.n = 2 ** 20; c.crypto.kdfparams.r = 32; c.crypto.kdfparams.p = 16; })],
    ['512 MiB', mutate((c) => { c.crypto.kdfparams.n = 2 ** 19; c.crypto.kdfparams.r = 8; })],
    ['r huge', mutate((c) => { c.crypto.kdfparams.r = 1000; })],
    ['p zero', mutate((c) => { c.crypto.kdfparams.p = 0; })],
    ['n string', mutate((c) => { c.crypto.kdfparams.n = '16'; })],
    ['dklen 64', mutate((c) => { c.crypto.kdfparams.dklen = 64; })],
    ['salt not hex', mutate((c) => { c.crypto.kdfparams.salt = 'xyz'; })],
    ['short salt', mutate((c) => { c.crypto.kdfparams.salt = '00'; })],
    ['nonce length', mutate((c) => { c.crypto.nonce = '00'.repeat(16); })],
    ['ciphertext length', mutate((c) => { c.crypto.ciphertext = c.crypto.ciphertext.slice(2); })],
    ['uppercase hex', mutate((c) => { c.crypto.nonce = c.crypto.nonce.toUpperCase().replace(/^[0-9]/, 'A'); })],
    ['public key length', mutate((c) => { c.publicKey = c.publicKey.slice(2); })],
    ['bad address', mutate((c) => { c.address = 'pol1xyz'; })],
  ];
  for (const [name, file] of cases) {
    assert.throws(() => decryptKey(file as KeystoreFile, 'pw'), (e: unknown) => {
      assert.ok(e instanceof KeystoreError, name);
      assert.equal(e.code, 'KEYSTORE_MALFORMED', `${name}: ${e.message}`);
      assert.ok(e.message.length > 10);
      return true;
    }, name);
  }
});

test('encryptKey rejects a wrong-length seed and out-of-range parameters', () => {
  assert.throws(() => encryptKey(new Uint8Array(31), 'pw', FAST), isErr('KEYSTORE_BAD_SEED'));
  assert.throws(() => encryptKey(seed, 'pw', { n: 3 }), isErr('KEYSTORE_MALFORMED'));
  assert.throws(() => encryptKey(seed, 'pw', { ...FAST, nonce: new Uint8Array(8) }), isErr('KEYSTORE_MALFORMED'));
});

test('Keystore: create/list/show/load, mode 0600, no temp files left, no overwrite, bad names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-ks-'));
  try {
    const ksDir = join(dir, 'keys');
    const ks = new Keystore(ksDir, FAST);
    assert.deepEqual(await ks.list(), []);
    const seed2 = sha256(new TextEncoder().encode('second'));
    const info = await ks.create('validator', seed, 'pw1');
    assert.equal(info.name, 'validator');
    assert.equal(info.publicKey, bytesToHex(publicKeyFromSeed(seed)));
    assert.match(info.address, /^pol1/);
    await ks.create('alice-2', seed2, 'pw2');
    const st = await stat(join(ksDir, 'validator.json'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal((await stat(ksDir)).mode & 0o077, 0);
    assert.deepEqual((await readdir(ksDir)).sort(), ['alice-2.json', 'validator.json']);
    const list = await ks.list();
    assert.deepEqual(list.map((k) => k.name), ['alice-2', 'validator']);
    assert.deepEqual(list[1], info);
    assert.deepEqual(await ks.show('validator'), info);
    assert.deepEqual(await ks.load('validator', 'pw1'), seed);
    assert.deepEqual(await ks.load('alice-2', 'pw2'), seed2);
    await assert.rejects(ks.load('validator', 'pw2'), isErr('KEYSTORE_BAD_PASSPHRASE'));
    await assert.rejects(ks.load('nobody', 'pw'), isErr('KEYSTORE_NOT_FOUND'));
    await assert.rejects(ks.show('nobody'), isErr('KEYSTORE_NOT_FOUND'));
    await assert.rejects(ks.create('validator', seed2, 'x'), isErr('KEYSTORE_EXISTS'));
    assert.deepEqual(await ks.load('validator', 'pw1'), seed, 'existing key untouched');
    for (const bad of ['', '.hidden', '../escape', 'a/b', 'x'.repeat(65), 'sp ace']) {
      await assert.rejects(ks.create(bad, seed, 'pw'), isErr('KEYSTORE_BAD_NAME'), bad);
      await assert.rejects(ks.load(bad, 'pw'), isErr('KEYSTORE_BAD_NAME'), bad);
    }
    assert.deepEqual((await readdir(ksDir)).sort(), ['alice-2.json', 'validator.json'], 'no temp files left behind');
    // a corrupt file is reported by show/load and skipped by list
    await writeFile(join(ksDir, 'broken.json'), '{"kind":', { mode: 0o600 });
    await assert.rejects(ks.show('broken'), (e: unknown) => isErr('KEYSTORE_MALFORMED')(e) && /broken\.json is not valid JSON \(truncated\?/.test((e as Error).message));
    await writeFile(join(ksDir, 'empty.json'), '', { mode: 0o600 });
    await assert.rejects(ks.show('empty'), (e: unknown) => isErr('KEYSTORE_MALFORMED')(e) && /empty\.json is empty/.test((e as Error).message));
    await assert.rejects(ks.load('broken', 'pw'), isErr('KEYSTORE_MALFORMED'));
    assert.deepEqual((await ks.list()).map((k) => k.name), ['alice-2', 'validator']);
    // the file on disk is the documented JSON format
    const onDisk = JSON.parse(await readFile(join(ksDir, 'validator.json'), 'utf8')) as KeystoreFile;
    assert.equal(onDisk.publicKey, info.publicKey);
    assert.deepEqual(decryptKey(onDisk, 'pw1'), seed);
    // concurrent creates of one name: exactly one wins
    const results = await Promise.allSettled([ks.create('race', seed, 'a'), ks.create('race', seed2, 'b'), ks.create('race', seed, 'c')]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isErr('KEYSTORE_EXISTS')(r.reason));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
