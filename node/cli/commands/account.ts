// `polchain account show ADDR`: what the chain holds for an address, read over JSON-RPC.
import { RpcClient } from '../../../rpc/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, parseRpcUrl, type Options } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { isAddress } from '../../../primitives/index.ts';

const usage = 'polchain account show ADDR [--json] [--rpc URL]';
const flags: Options = {
  rpc: { type: 'string', arg: 'URL', help: "the node's JSON-RPC endpoint (default http://127.0.0.1:8545/)", env: 'POLCHAIN_RPC_URL' },
  json: { type: 'boolean', help: 'print the account_get result as JSON' },
};

/** The RPC endpoint from --rpc, else POLCHAIN_RPC_URL, else the default. */
export function rpcUrlOf(values: Record<string, unknown>): string {
  if (values.rpc !== undefined) return parseRpcUrl(values.rpc as string);
  if (process.env.POLCHAIN_RPC_URL) return parseRpcUrl(process.env.POLCHAIN_RPC_URL, 'rpc', 'POLCHAIN_RPC_URL');
  return 'http://127.0.0.1:8545/';
}

export function addressArg(text: string | undefined, u: string): string {
  if (text === undefined) throw new NodeError('USAGE', `an address is required\nusage: ${u}`);
  if (!isAddress(text)) throw new NodeError('USAGE', `${JSON.stringify(text)} is not an address (pol1...)\nusage: ${u}`);
  return text;
}

export const command: CliCommand = {
  name: 'account', summary: 'show an account: balance, nonce, stake and unbonding, over JSON-RPC', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, command.summary)), 0);
    if (positionals[0] !== 'show' || positionals.length > 2) throw new NodeError('USAGE', `account needs: show ADDR\nusage: ${usage}`);
    const address = addressArg(positionals[1], usage);
    const a = await new RpcClient(rpcUrlOf(values)).call('account_get', [address]);
    if (values.json) return (console.log(JSON.stringify(a, null, 2)), 0);
    const lines = [
      `account   ${a.address} at height ${a.height}`,
      `balance   ${a.balance}`,
      `nonce     ${a.nonce} (next ${a.pendingNonce} counting pending transactions)`,
      `stake     ${a.validator ? `${a.validator.stake}${a.validator.jailed ? ' (jailed)' : ''}, consensus key ${a.validator.consensusKey}` : '0 (not a validator)'}`,
      `unbonding ${a.unbonding.length ? a.unbonding.map((u) => `${u.amount} returns at height ${u.completionHeight}`).join('; ') : 'none'}`,
    ];
    console.log(lines.join('\n'));
    return 0;
  },
};
