/**
 * The BLS beacon's per-block costs, split: hashing the message to G2 (what beaconPrepare does during
 * the commit wait), then signing and verifying with and without that hash prepared.
 *   node --import tsx bench/beacon.ts
 */
import { beaconPrepare, beaconSign, beaconVerify, blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { sha256 } from '../primitives/index.ts';

const sk = blsSecretFromSeed(sha256(Uint8Array.of(1)));
const pk = blsPublicKey(sk);
const prev = sha256(Uint8Array.of(2));
const N = 20;
let next = 1n; // a fresh height per operation, so nothing is prepared unless the line says so
const sigs = new Map<bigint, Uint8Array>();
const sigFor = (h: bigint) => sigs.get(h) ?? sigs.set(h, beaconSign(sk, 'bench', h, prev)).get(h)!;

/** Mean ms of `op(h)` over N fresh heights; `before(h)` runs first, untimed. */
function ms(op: (h: bigint) => unknown, before: (h: bigint) => unknown = () => {}): number {
  let total = 0;
  for (let i = 0; i <= N; i++) {
    const h = next++;
    before(h);
    const t = performance.now();
    op(h);
    if (i > 0) total += performance.now() - t; // the first is warm-up
  }
  return +(total / N).toFixed(1);
}

const out = {
  sign_ms: ms((h) => beaconSign(sk, 'bench', h, prev)),
  verify_ms: ms((h) => beaconVerify(pk, 'bench', h, prev, sigFor(h)), sigFor),
  prepare_ms: ms((h) => beaconPrepare('bench', h, prev)),
  sign_prepared_ms: ms((h) => beaconSign(sk, 'bench', h, prev), (h) => beaconPrepare('bench', h, prev)),
  verify_prepared_ms: ms((h) => beaconVerify(pk, 'bench', h, prev, sigFor(h)), (h) => { sigFor(h); beaconPrepare('bench', h, prev); }),
};
console.log(JSON.stringify(out));
