/**
 * The 24-word form of a key (docs/crypto.md, "Exporting and importing keys"): the 32-byte ed25519
 * seed is the BIP-39 entropy itself (English wordlist, 256 bits + 8 checksum bits = 24 words).
 * There is no BIP-39 PBKDF2 seed and no BIP-32/44 derivation: one mnemonic is one key, so the words
 * written down are exactly the seed the keystore encrypts and nothing else needs to be remembered.
 */
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { KeystoreError } from './errors.ts';
import { ED25519_SEED_LENGTH } from '../../primitives/index.ts';

export const MNEMONIC_WORDS = 24;

export function seedToMnemonic(seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) throw new KeystoreError('KEYSTORE_BAD_SEED', `seed must be ${ED25519_SEED_LENGTH} bytes`);
  return entropyToMnemonic(seed, wordlist);
}

/** Parses 24 words (any whitespace, any case) back into the seed; throws KEYSTORE_BAD_MNEMONIC naming what is wrong. */
export function mnemonicToSeed(text: string): Uint8Array {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length !== MNEMONIC_WORDS) throw new KeystoreError('KEYSTORE_BAD_MNEMONIC', `a key mnemonic has ${MNEMONIC_WORDS} words, got ${words.length}`);
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  // the position, not the word: the rest of the phrase is secret and may end up in a terminal's scrollback
  if (unknown >= 0) throw new KeystoreError('KEYSTORE_BAD_MNEMONIC', `word ${unknown + 1} is not in the BIP-39 English wordlist`);
  const phrase = words.join(' ');
  if (!validateMnemonic(phrase, wordlist)) throw new KeystoreError('KEYSTORE_BAD_MNEMONIC', 'the checksum does not match: a word is wrong or the order is changed');
  return new Uint8Array(mnemonicToEntropy(phrase, wordlist));
}
