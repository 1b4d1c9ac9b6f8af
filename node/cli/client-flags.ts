// Flags shared by the client commands that sign and talk to a node and to solvers' DA peers
// (`polchain solver`, `polchain watch`, `polchain job dispute`): the node's JSON-RPC URL, the signing
// key (a keystore file or a dev account), libp2p listen addresses and log levels. Each check throws
// the command's own usage error, so every message ends with that command's usage.
import { readFile } from 'node:fs/promises';
import { multiaddr } from '@multiformats/multiaddr';
import { devAccountSeed } from '../../genesis/index.ts';
import { decryptKeyAsync, type KeystoreFile } from '../keystore/index.ts';
import { NodeError, parseLogLevels } from '../util/index.ts';
import { getPassphrase } from './passphrase.ts';
import type { Options } from './args.ts';
import { errorMessage } from '../../primitives/index.ts';

export type UsageError = (msg: string) => NodeError;

/** The flags as formatHelp lists them (the solver writes its own help with the same words). */
export const CLIENT_FLAGS: Options = {
  rpc: { type: 'string', arg: 'URL', help: "the node's JSON-RPC endpoint (default http://127.0.0.1:8545/)", env: 'POLCHAIN_RPC_URL' },
  key: { type: 'string', arg: 'FILE', help: 'keystore file written by `polchain keys new` (passphrase: --passphrase-file, POLCHAIN_PASSPHRASE or a prompt)' },
  'dev-account': { type: 'string', arg: 'I', help: 'sign with well-known dev account I instead (dev networks only)' },
  'passphrase-file': { type: 'string', arg: 'FILE', help: 'read the keystore passphrase from FILE (- for stdin)', env: 'POLCHAIN_PASSPHRASE (the passphrase itself)' },
  'p2p-listen': { type: 'string', arg: 'ADDRS', help: 'libp2p multiaddrs to listen on, comma-separated (default /ip4/127.0.0.1/tcp/0)' },
  fee: { type: 'string', arg: 'N', help: 'fee per transaction (default 1)' },
  'log-level': { type: 'string', arg: 'LEVELS', help: 'stderr log levels, as on `polchain start` (info,p2p=debug)' },
};

/** --rpc (or POLCHAIN_RPC_URL): an http(s) URL; default http://127.0.0.1:8545/. */
export function httpRpcUrl(values: Record<string, unknown>, usageError: UsageError): string {
  const rpcUrl = (values.rpc as string | undefined) ?? process.env.POLCHAIN_RPC_URL ?? 'http://127.0.0.1:8545/';
  try {
    const u = new URL(rpcUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`protocol ${u.protocol}`);
  } catch (e) {
    throw usageError(`--rpc must be an http(s) URL, got "${rpcUrl}" (${errorMessage(e)})`);
  }
  return rpcUrl;
}

/** --p2p-listen: comma-separated multiaddrs, each checked; undefined when the flag is absent. */
export function listenAddrs(values: Record<string, unknown>, usageError: UsageError): string[] | undefined {
  const v = values['p2p-listen'] as string | undefined;
  if (v === undefined) return undefined;
  const listen = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!listen.length) throw usageError('--p2p-listen needs at least one multiaddr');
  for (const a of listen) {
    try {
      multiaddr(a);
    } catch (e) {
      throw usageError(`--p2p-listen: "${a}" is not a multiaddr (${errorMessage(e)})`);
    }
  }
  return listen;
}

/** --log-level: per-module levels as on `start` (info,p2p=debug); default info. */
export function logLevel(values: Record<string, unknown>, usageError: UsageError): string {
  const level = (values['log-level'] as string | undefined) ?? 'info';
  try {
    parseLogLevels(level);
  } catch (e) {
    throw usageError(`--log-level ${errorMessage(e)}`);
  }
  return level;
}

/** The signing seed from exactly one of --key FILE (unlocked with --passphrase-file, POLCHAIN_PASSPHRASE or a prompt) and --dev-account I. */
export async function clientSeed(values: Record<string, unknown>, usageError: UsageError): Promise<Uint8Array> {
  const keyFile = values.key as string | undefined;
  const dev = values['dev-account'] as string | undefined;
  if (keyFile !== undefined && dev !== undefined) throw usageError('pass only one of --key FILE and --dev-account I');
  if (dev !== undefined) {
    if (!/^(0|[1-9][0-9]*)$/.test(dev)) throw usageError(`--dev-account must be a non-negative integer, got "${dev}"`);
    return devAccountSeed(Number(dev));
  }
  if (!keyFile) throw usageError('one of --key FILE or --dev-account I is required');
  let file: KeystoreFile;
  try {
    file = JSON.parse(await readFile(keyFile, 'utf8')) as KeystoreFile;
  } catch (e) {
    throw new NodeError('KEY_UNAVAILABLE', `cannot read key file ${keyFile}: ${errorMessage(e)}`);
  }
  return decryptKeyAsync(file, await getPassphrase(values['passphrase-file'] as string | undefined, `unlock key file ${keyFile}`));
}
