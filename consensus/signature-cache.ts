/**
 * Consensus signatures already verified by this process. A vote is checked when it arrives (the
 * gossip validator's inbound check), again when the vote set takes it, and again inside the next
 * block's last commit; a proposal at the inbound check and in the state machine. Each check is a
 * full ed25519 verification (~85 µs on the 2-core machines), and the rule is one
 * verification per signature per process. Only successes are remembered, by the exact signature,
 * and a hit still compares the key and the signed bytes, so a remembered signature cannot vouch for
 * anything but the message it was verified against. It changes no verdict, only how often one is
 * computed, so a node's decisions do not depend on what is cached.
 */
import { verify } from '../primitives/index.ts';

/** About 20 heights of votes of a 100-validator set (two types, a few rounds each). */
const MAX_ENTRIES = 8192;
const verified = new Map<string, { key: Uint8Array; bytes: Uint8Array }>();
const stats = { hits: 0, verifications: 0 };

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** ed25519 verification of (key, bytes, signature), computed at most once per success. */
export function verifyConsensusSignature(key: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  const id = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1');
  const hit = verified.get(id);
  if (hit && same(hit.key, key) && same(hit.bytes, bytes)) {
    stats.hits++;
    return true;
  }
  stats.verifications++;
  if (!verify(key, bytes, signature)) return false;
  if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(id, { key: Uint8Array.from(key), bytes: Uint8Array.from(bytes) });
  return true;
}

/** How many checks were answered from the cache and how many verified (tests, metrics). */
export function consensusSignatureStats(): { hits: number; verifications: number } {
  return { ...stats };
}
