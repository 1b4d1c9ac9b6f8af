/**
 * LevelDB key layout. One-byte prefixes keep each family contiguous; heights are 8-byte big-endian
 * so that byte order is numeric order.
 *   m<name>        metadata: genesis hash, applied height
 *   b<height>      block bytes            c<height>  commit bytes   C<height> BFT commit bytes
 *   e<height>      block-level events     H<hash32>  height of a block hash
 *   r<txhash32>    receipt bytes (it names the tx's height and index)
 *   t<txhash32>    [height, index]: written by earlier versions beside the receipt; left unread
 *   sa<addr20>     account                sv<addr20> validator        su  unbonding queue
 *   sb             randomness beacon (encodeBeacon)
 *   sj<id32>       job (encodeJob)        sJ  active job index (encodeJobIndex; absent when empty)
 */
const enc = new TextEncoder();

export function u64be(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

export function readU64be(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0);
}

function k(prefix: string, ...parts: Uint8Array[]): Uint8Array {
  return keyOf(enc.encode(prefix), ...parts);
}

function keyOf(p: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  let len = p.length;
  for (const x of parts) len += x.length;
  const out = new Uint8Array(len);
  out.set(p);
  let o = p.length;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
}

/** A key family whose prefix is encoded once (a block makes one receipt key per transaction). */
const family = (prefix: string) => {
  const p = enc.encode(prefix);
  return (id: Uint8Array): Uint8Array => keyOf(p, id);
};
const receiptKey = family('r');
const accountKey = family('sa');

export const KEY = {
  genesisHash: k('mgenesis'),
  height: k('mheight'),
  /** The data dir's identity record (JSON text): chain, engine, validator. */
  identity: k('midentity'),
  block: (h: bigint) => k('b', u64be(h)),
  commit: (h: bigint) => k('c', u64be(h)),
  /** The BFT commit (+2/3 precommits, consensus encoding) that finalised block h. */
  bftCommit: (h: bigint) => k('C', u64be(h)),
  /** The validator list that decided block h (to verify the last commit carried by block h+1 after a restart). */
  decidedBy: (h: bigint) => k('V', u64be(h)),
  /** Proposer priorities of the set that decided the latest block: `[height, [[address, priority (decimal)]...]]`. */
  proposerPriorities: k('mpriorities'),
  events: (h: bigint) => k('e', u64be(h)),
  hashToHeight: (hash: Uint8Array) => k('H', hash),
  receipt: receiptKey,
  account: accountKey,
  validator: (addr: Uint8Array) => k('sv', addr),
  unbonding: k('su'),
  beacon: k('sb'),
  job: (id: Uint8Array) => k('sj', id),
  jobIndex: k('sJ'),
  statePrefix: k('s'),
};
