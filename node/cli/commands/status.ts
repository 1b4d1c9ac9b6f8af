import { formatHelp, parseFlags, type Options } from '../args.ts';
import { RPC_FLAG, rpcClient } from '../wallet-flags.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain status [--rpc URL]';
const flags: Options = { ...RPC_FLAG };

export const command: CliCommand = {
  name: 'status', summary: "print a node's status over JSON-RPC", usage,
  async run(argv) {
    const { values } = parseFlags(argv, flags, usage);
    if (values.help) return (console.log(formatHelp(usage, flags, command.summary)), 0);
    console.log(JSON.stringify(await rpcClient(values).call('node_status', []), null, 2));
    return 0;
  },
};
