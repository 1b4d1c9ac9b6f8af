// What the search field accepts: a block height, a pol1… address, or a 32-byte hash that may be a
// transaction, a job id or a block hash. Input that is none of these, or names nothing on chain,
// gets a sentence saying so (the page never goes blank).
import { call, RpcFailure, NOT_FOUND } from './rpc.js';

const ADDRESS = /^pol1[02-9ac-hj-np-z]{38,90}$/;
const HASH = /^(0x)?[0-9a-f]{64}$/;

/** The input's kind, or an error sentence, without asking the node. */
export function classify(raw) {
  const q = String(raw ?? '').trim();
  if (!q) return { error: 'Type a transaction hash, an address (pol1…), a block height or a job id.' };
  if (/^#?[0-9]+$/.test(q)) {
    const digits = q.replace('#', '');
    if (digits.length > 15) return { error: `"${q.slice(0, 40)}" is too large to be a block height.` };
    return { kind: 'height', value: Number(digits) };
  }
  const lower = q.toLowerCase();
  if (HASH.test(lower)) return { kind: 'hash', value: lower.startsWith('0x') ? lower : `0x${lower}` };
  if (/^pol1/i.test(q)) {
    if (ADDRESS.test(lower)) return { kind: 'address', value: lower };
    return { error: `"${q.slice(0, 100)}" is not a valid address: a polchain address is pol1 followed by 38 or more bech32 characters (no b, i, o or 1).` };
  }
  if (/^(0x)?[0-9a-f]+$/i.test(q)) {
    const n = (q.length - (q.startsWith('0x') ? 2 : 0));
    return { error: `"${short(q)}" has ${n} hex digits; transaction hashes, job ids and block hashes have 64.` };
  }
  return { error: `"${short(q)}" is not a transaction hash, an address, a block height or a job id.` };
}

const short = (s) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);
const notFound = (e) => e instanceof RpcFailure && e.code === NOT_FOUND;

/** Resolves the input to a route (#/tx/…, #/job/…, …) or an error sentence. */
export async function resolve(raw) {
  const c = classify(raw);
  if (c.error) return { error: c.error };
  if (c.kind === 'height') {
    const status = await call('node_status');
    const head = Number(status.height);
    if (c.value < 1 || c.value > head) return { error: `There is no block at height ${c.value}: the chain's blocks run from 1 to ${head}.` };
    return { route: `#/block/${c.value}` };
  }
  if (c.kind === 'address') return { route: `#/account/${c.value}` };
  // a hash: a job (a job id is also its JobSubmit's hash; the job page links that), else a transaction, else a block
  for (const [method, route] of [['job_get', 'job'], ['chain_getTx', 'tx'], ['chain_getBlock', 'block']]) {
    try {
      await call(method, [c.value]);
      return { route: `#/${route}/${c.value}` };
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  }
  return { error: `Nothing on chain has the hash ${c.value}: it is no committed transaction, job id or block hash (a transaction just sent may still be pending).` };
}
