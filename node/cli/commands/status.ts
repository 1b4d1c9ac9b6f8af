import { RpcClient } from '../../../rpc/index.ts';
import { formatHelp, parseFlags, parseRpcUrl, type Options } from '../args.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain status [--rpc URL]';
const flags: Options = { rpc: { type: 'string', arg: 'URL', help: "the node's JSON-RPC endpoint (default http://127.0.0.1:8545/)", env: 'POLCHAIN_RPC_URL' } };

export const command: CliCommand = {
  name: 'status', summary: "print a node's status over JSON-RPC", usage,
  async run(argv) {
    const { values } = parseFlags(argv, flags, usage);
    if (values.help) return (console.log(formatHelp(usage, flags, command.summary)), 0);
    const url = values.rpc !== undefined ? parseRpcUrl(values.rpc as string) : process.env.POLCHAIN_RPC_URL ? parseRpcUrl(process.env.POLCHAIN_RPC_URL, 'rpc', 'POLCHAIN_RPC_URL') : 'http://127.0.0.1:8545/';
    const client = new RpcClient(url);
    console.log(JSON.stringify(await client.call('node_status', []), null, 2));
    return 0;
  },
};
