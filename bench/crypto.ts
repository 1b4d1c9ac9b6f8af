/**
 * Measures ed25519 verify/s (node:crypto hot path vs @noble/curves) and sign/s; prints one JSON line.
 *   npm run bench:crypto
 * Pure: uses performance.now() only for reporting (bench script, not consensus code).
 */
import { createPublicKey, verify as rawVerify } from 'node:crypto';
import { publicKeyFromSeed, sign, verify, verifyNoble, sha256 } from '../primitives/index.ts';


const KEYS = 64;
const seeds = Array.from({ length: KEYS }, (_, i) => sha256(new Uint8Array([i, 1, 2, 3])));
const pks = seeds.map(publicKeyFromSeed);
const msgs = seeds.map((s, i) => sha256(s, new Uint8Array([i])).slice(0, 32 + (i % 64)));
const sigs = seeds.map((s, i) => sign(s, msgs[i]));

function rate(label: string, n: number, f: (i: number) => boolean | Uint8Array): number {
  for (let i = 0; i < Math.min(n, 200); i++) f(i % KEYS); // warm-up (fills key caches)
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (f(i % KEYS) === false) throw new Error(`${label}: unexpected false`);
  const per = (performance.now() - t0) / 1000;
  const r = n / per;
  process.stderr.write(`${label.padEnd(28)} ${r.toFixed(0).padStart(8)} ops/s\n`);
  return r;
}

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keyObjects = pks.map((pk) => createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' }));
const msgBufs = msgs.map((m) => Buffer.from(m));
const sigBufs = sigs.map((s) => Buffer.from(s));
const rawRate = rate('raw crypto.verify (baseline)', 20000, (i) => rawVerify(null, msgBufs[i], keyObjects[i], sigBufs[i]));
const nodeVerify = rate('verify (node:crypto)', 20000, (i) => verify(pks[i], msgs[i], sigs[i]));
const nobleVerify = rate('verifyNoble (@noble/curves)', 1500, (i) => verifyNoble(pks[i], msgs[i], sigs[i]));
const nodeSign = rate('sign (node:crypto)', 20000, (i) => sign(seeds[i], msgs[i]));
process.stderr.write(`verify / raw baseline: ${(nodeVerify / rawRate).toFixed(2)}x, verify / verifyNoble: ${(nodeVerify / nobleVerify).toFixed(1)}x\n`);
console.log(JSON.stringify({ bench: 'ed25519', rawVerifyPerSec: Math.round(rawRate), verifyVsRaw: +(nodeVerify / rawRate).toFixed(2), verifyPerSec: Math.round(nodeVerify), verifyNoblePerSec: Math.round(nobleVerify), ratio: +(nodeVerify / nobleVerify).toFixed(1), signPerSec: Math.round(nodeSign) }));
