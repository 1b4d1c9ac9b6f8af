// Admission micro-measure: CPU µs per Mempool.add of a transfer (10,000 from 40 dev accounts) against
// a bare ed25519 verify of the same transactions in the same run, and heap bytes per mempool entry.
// Run: node --expose-gc --import tsx bench/mempool-admit.ts
import { createGenesisState, encodeTx, signTx, txSigningBytes, decodeTx } from '../vm/index.ts';
import { devGenesis, devAccountSeed } from '../genesis/index.ts';
import { Mempool, DEFAULT_MEMPOOL } from '../node/mempool/index.ts';
import { publicKeyFromSeed, addressFromPublicKey, verify } from '../primitives/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';

const seed = new Uint8Array(32).fill(9);
const pk = publicKeyFromSeed(seed);
const g = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1000n, devAccounts: 41 });
const N = Number(process.env.N ?? 10000);
const txs = Array.from({ length: N }, (_, i) => encodeTx(signTx({ chainId: g.chainId, nonce: BigInt(Math.floor(i / 40)), fee: 1n, payload: { kind: 'transfer', to: new Uint8Array(20).fill(2), amount: 1n } }, devAccountSeed(1 + (i % 40)))));
const gc = (globalThis as unknown as { gc: () => void }).gc;
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };

function round(): { add: number; ver: number; heap: number; ext: number } {
  const decoded = txs.map((t) => decodeTx(t, 1 << 20));
  const signing = decoded.map((t) => txSigningBytes(t.body));
  gc(); gc();
  let c = cpu();
  for (let i = 0; i < N; i++) verify(decoded[i]!.publicKey, signing[i]!, decoded[i]!.signature);
  const ver = (cpu() - c) / N;
  const m = new Mempool(createGenesisState(g as never), DEFAULT_MEMPOOL);
  const fresh = txs.map((t) => t.slice()); // as received: bytes nothing has decoded yet
  gc(); gc();
  const h0 = process.memoryUsage();
  c = cpu();
  for (const t of fresh) m.add(t);
  const add = (cpu() - c) / N;
  gc(); gc();
  const h1 = process.memoryUsage();
  if (m.size !== N) throw new Error(`admitted ${m.size} of ${N}`);
  return { add, ver, heap: (h1.heapUsed - h0.heapUsed) / N, ext: (h1.external + h1.arrayBuffers - h0.external - h0.arrayBuffers) / N };
}
round(); // warm-up
const rs = [round(), round(), round()];
const med = (k: 'add' | 'ver' | 'heap' | 'ext') => rs.map((r) => r[k]).sort((a, b) => a - b)[1]!;
console.log(`Mempool.add ${med('add').toFixed(1)} µs CPU/tx, bare ed25519 verify ${med('ver').toFixed(1)} µs, ratio ${(med('add') / med('ver')).toFixed(3)}; heap ${med('heap').toFixed(0)} B/entry, external ${med('ext').toFixed(0)} B/entry`);
console.log(JSON.stringify({ add_cpu_us: +med('add').toFixed(1), verify_cpu_us: +med('ver').toFixed(1), add_to_verify: +(med('add') / med('ver')).toFixed(3), heap_bytes_per_entry: Math.round(med('heap')), external_bytes_per_entry: Math.round(med('ext')) }));
