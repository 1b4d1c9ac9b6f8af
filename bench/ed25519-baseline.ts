// The baseline several benches report against: one node:crypto ed25519 verification of a 100-byte
// message with a prepared KeyObject (the least a transaction costs a process that admits it).
import { createPublicKey, createPrivateKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';

/** Verifies one signature `n` times; returns the wall milliseconds and the CPU microseconds it took. */
export function timeVerifications(n: number): { wallMs: number; cpuUs: number } {
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv);
  const msg = Buffer.alloc(100, 1);
  const sig = nodeSign(null, msg, priv);
  const c = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < n; i++) nodeVerify(null, msg, pub, sig);
  const wallMs = performance.now() - t;
  const d = process.cpuUsage(c);
  return { wallMs, cpuUs: d.user + d.system };
}
