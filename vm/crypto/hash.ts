// One SHA-256 for the whole project (node:crypto, about 9x faster than @noble/hashes here); it lives
// in ml-runtime, the lowest layer, so datasets, traces and the chain hash the same way.
export { sha256 } from '../../ml-runtime/hash.ts';
