// Flags the wallet commands (tx, account, validator, keys) share, documented once for their --help.
import { defaultDataDir } from '../config/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { parseRpcUrl, type Options } from './args.ts';

export const RPC_FLAG: Options = {
  rpc: { type: 'string', arg: 'URL', help: "the node's JSON-RPC endpoint (default http://127.0.0.1:8545/)", env: 'POLCHAIN_RPC_URL' },
};

export const KEYSTORE_FLAGS: Options = {
  'data-dir': { type: 'string', arg: 'DIR', help: 'the data dir whose keys/ folder holds the keystore', env: 'POLCHAIN_DATA_DIR' },
  'passphrase-file': { type: 'string', arg: 'FILE', help: 'read the keystore passphrase from FILE (- for stdin) instead of a prompt', env: 'POLCHAIN_PASSPHRASE (the passphrase itself)' },
};

export const JSON_FLAG: Options = { json: { type: 'boolean', help: 'print the result as JSON (for scripts) instead of text' } };

export function dataDir(values: Record<string, unknown>): string {
  return (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
}

export function rpcClient(values: Record<string, unknown>): RpcClient {
  const url = values.rpc !== undefined ? parseRpcUrl(values.rpc as string)
    : process.env.POLCHAIN_RPC_URL ? parseRpcUrl(process.env.POLCHAIN_RPC_URL, 'rpc', 'POLCHAIN_RPC_URL') : 'http://127.0.0.1:8545/';
  return new RpcClient(url);
}
