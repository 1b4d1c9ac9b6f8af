import { CHAIN_ID_RE } from './chain-id.ts';
import { U64_MAX, type ChainParams } from '../vm/index.ts';
import { GenesisError } from './errors.ts';
import type { Genesis } from './types.ts';
import { decodeAddress, hexToBytes, errorMessage } from '../primitives/index.ts';

const MAX_GENESIS_ACCOUNTS = 100_000;

function fail(path: string, msg: string): never {
  throw new GenesisError('GENESIS_INVALID', `genesis ${path}: ${msg}`);
}

function obj(v: unknown, path: string, keys: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${path}.${k}`, `unknown field (allowed: ${keys.join(', ')})`);
  for (const k of keys) if (!(k in o)) fail(`${path}.${k}`, 'missing');
  return o;
}

function u64(v: unknown, path: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) fail(path, 'expected a decimal string without sign or leading zeros');
  const n = BigInt(v);
  if (n > U64_MAX) fail(path, 'exceeds 2^64-1');
  return n;
}

function u32(v: unknown, path: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 0xffffffff) fail(path, `expected an integer in [${min}, 2^32)`);
  return v;
}

function address(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string') fail(path, 'expected a pol1... address');
  try {
    return decodeAddress(v);
  } catch (e) {
    fail(path, errorMessage(e));
  }
}

function hexKey(v: unknown, path: string, bytes: number): Uint8Array {
  if (typeof v !== 'string' || !new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`).test(v)) fail(path, `expected 0x followed by ${bytes * 2} lowercase hex digits`);
  return hexToBytes(v.slice(2));
}

function parseParams(v: unknown): ChainParams {
  const o = obj(v, 'params', ['unbondingPeriod', 'minFee', 'minStake', 'maxTxBytes', 'maxBlockTxs', 'maxBlockBytes', 'slashFractionBps']);
  const p = {
    unbondingPeriod: u64(o.unbondingPeriod, 'params.unbondingPeriod'), minFee: u64(o.minFee, 'params.minFee'), minStake: u64(o.minStake, 'params.minStake'),
    maxTxBytes: u32(o.maxTxBytes, 'params.maxTxBytes', 128), maxBlockTxs: u32(o.maxBlockTxs, 'params.maxBlockTxs'), maxBlockBytes: u32(o.maxBlockBytes, 'params.maxBlockBytes', 1024),
    slashFractionBps: u32(o.slashFractionBps, 'params.slashFractionBps', 0),
  };
  if (p.slashFractionBps > 10_000) fail('params.slashFractionBps', 'must be at most 10000 (100%)');
  if (p.maxBlockBytes < p.maxTxBytes) fail('params.maxBlockBytes', 'must be at least maxTxBytes');
  return p;
}

/** Validates a parsed genesis JSON document. Every error names the field at fault. */
export function parseGenesis(json: unknown): Genesis {
  const o = obj(json, '', ['chainId', 'genesisTime', 'params', 'accounts', 'validators']);
  if (typeof o.chainId !== 'string' || !CHAIN_ID_RE.test(o.chainId)) fail('chainId', 'expected 1-63 characters of [a-z0-9-], not starting with -');
  const t = typeof o.genesisTime === 'string' ? Date.parse(o.genesisTime) : NaN;
  if (Number.isNaN(t) || t < 0 || new Date(t).toISOString() !== o.genesisTime) fail('genesisTime', 'expected an ISO-8601 UTC time exactly like 2026-01-01T00:00:00.000Z');
  const genesisTimeMs = BigInt(t);
  const params = parseParams(o.params);
  if (!Array.isArray(o.accounts) || o.accounts.length > MAX_GENESIS_ACCOUNTS) fail('accounts', `expected an array of at most ${MAX_GENESIS_ACCOUNTS}`);
  const accounts = o.accounts.map((a, i) => {
    const ao = obj(a, `accounts[${i}]`, ['address', 'balance']);
    return { address: address(ao.address, `accounts[${i}].address`), balance: u64(ao.balance, `accounts[${i}].balance`) };
  });
  if (!Array.isArray(o.validators) || o.validators.length === 0) fail('validators', 'expected a non-empty array');
  const validators = o.validators.map((v, i) => {
    const vo = obj(v, `validators[${i}]`, ['address', 'consensusKey', 'blsKey', 'stake']);
    return {
      address: address(vo.address, `validators[${i}].address`), consensusKey: hexKey(vo.consensusKey, `validators[${i}].consensusKey`, 32),
      blsKey: hexKey(vo.blsKey, `validators[${i}].blsKey`, 48), stake: u64(vo.stake, `validators[${i}].stake`),
    };
  });
  return { chainId: o.chainId, genesisTimeMs, params, accounts, validators };
}

