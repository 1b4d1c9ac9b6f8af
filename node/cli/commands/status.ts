import { RpcClient } from '../../../rpc/index.ts';
import { parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain status [--rpc URL]';

export const command: CliCommand = {
  name: 'status', summary: "print a node's status over JSON-RPC", usage,
  async run(argv) {
    const { values } = parseFlags(argv, { rpc: { type: 'string' } }, usage);
    if (values.help) return (console.log(usage), 0);
    const client = new RpcClient((values.rpc as string | undefined) ?? process.env.POLCHAIN_RPC_URL ?? 'http://127.0.0.1:8545/');
    console.log(JSON.stringify(await client.call('node_status', []), null, 2));
    return 0;
  },
};
