/**
 * The BLS beacon's per-block costs on both backends in one run, mcl-wasm against the @noble/curves
 * baseline: hashing the message to G2 (what beaconPrepare does during the commit wait), signing and
 * verifying with and without that hash prepared, and a block-sync batch (blsVerifyMany of 32 beacons
 * from 4 proposers). CPU ms per operation (process.cpuUsage; wall time swings on a shared machine);
 * ratios are noble / mcl. Also checks the WASM heap does not grow over LEAK_N more verifications.
 *   node --import tsx bench/beacon.ts [--n 20] [--leak 1000]
 */
import { beaconPrepare, beaconSign, beaconVerify, beaconVerifyMany, blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { sha256, blsReady, setBlsBackend, blsWasmHeapBytes } from '../primitives/index.ts';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
const N = arg('n', 20);
const LEAK_N = arg('leak', 1000);
const sks = [1, 2, 3, 4].map((i) => blsSecretFromSeed(sha256(Uint8Array.of(i))));
const sk = sks[0]!;
const pk = blsPublicKey(sk);
const prev = sha256(Uint8Array.of(9));
let next = 1n; // a fresh height per operation, so nothing is prepared unless the line says so
const sigs = new Map<bigint, Uint8Array>();
const sigFor = (h: bigint, s = sk) => sigs.get(h) ?? sigs.set(h, beaconSign(s, 'bench', h, prev)).get(h)!;

/** Mean CPU ms of `op(h)` over n fresh heights; `before(h)` runs first, untimed. */
function ms(op: (h: bigint) => unknown, before: (h: bigint) => unknown = () => {}, n = N): number {
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const h = next++;
    before(h);
    const c = process.cpuUsage();
    op(h);
    const d = process.cpuUsage(c);
    if (i > 0) total += (d.user + d.system) / 1000; // the first is warm-up
  }
  return +(total / n).toFixed(2);
}

/** 32 consecutive beacons by 4 rotating proposers, as block sync checks a fetched range. */
function batch(h0: bigint) {
  return Array.from({ length: 32 }, (_, i) => {
    const h = h0 + BigInt(i);
    const s = sks[i % 4]!;
    return { blsKey: blsPublicKey(s), chainId: 'bench', height: h, prevBeacon: prev, signature: sigFor(h, s) };
  });
}

function measure() {
  const batches = new Map<bigint, ReturnType<typeof batch>>();
  return {
    prepare_ms: ms((h) => beaconPrepare('bench', h, prev)),
    sign_ms: ms((h) => beaconSign(sk, 'bench', h, prev)),
    sign_prepared_ms: ms((h) => beaconSign(sk, 'bench', h, prev), (h) => beaconPrepare('bench', h, prev)),
    verify_ms: ms((h) => beaconVerify(pk, 'bench', h, prev, sigFor(h)), (h) => sigFor(h)),
    verify_prepared_ms: ms((h) => beaconVerify(pk, 'bench', h, prev, sigFor(h)), (h) => { sigFor(h); beaconPrepare('bench', h, prev); }),
    verify_many32_ms: ms((h) => beaconVerifyMany(batches.get(h)!).every(Boolean) || process.exit(1), (h) => { next += 32n; batches.set(h, batch(h * 1000n)); }, Math.max(3, N / 4)),
  };
}

if (!(await blsReady())) throw new Error('mcl-wasm did not load');
setBlsBackend('noble');
const noble = measure();
setBlsBackend('mcl');
const mcl = measure();
const heapBefore = blsWasmHeapBytes();
for (let i = 0; i < LEAK_N; i++) beaconVerify(pk, 'bench', BigInt(i % 8) + 1n, prev, sigFor(BigInt(i % 8) + 1n));
const heapAfter = blsWasmHeapBytes();
setBlsBackend('auto');
for (const k of Object.keys(noble) as (keyof typeof noble)[]) {
  console.log(`${k.padEnd(20)} noble ${String(noble[k]).padStart(8)} ms   mcl ${String(mcl[k]).padStart(7)} ms   ${(noble[k] / mcl[k]).toFixed(1)}x`);
}
console.log(`wasm heap over ${LEAK_N} verifies: ${heapBefore} -> ${heapAfter} bytes`);
const ratio = Object.fromEntries(Object.keys(noble).map((k) => [k.replace('_ms', '_ratio'), +(noble[k as keyof typeof noble] / mcl[k as keyof typeof mcl]).toFixed(1)]));
console.log(JSON.stringify({ bench: 'bls-beacon', cpu_ms: { noble, mcl }, ...ratio, leak_verifies: LEAK_N, wasm_heap_growth_bytes: heapAfter - heapBefore }));
