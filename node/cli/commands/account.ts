import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import { JSON_FLAG, RPC_FLAG, rpcClient } from '../wallet-flags.ts';
import { addressArg, table } from '../wallet-format.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain account show ADDR [--json] [--rpc URL]';
const flags: Options = { ...JSON_FLAG, ...RPC_FLAG };

export const command: CliCommand = {
  name: 'account', summary: "show an account's balance, nonce, stake and unbonding over JSON-RPC", usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, command.summary)), 0);
    const [sub, addr, ...rest] = positionals;
    if (sub !== 'show') throw new NodeError('USAGE', `account needs the subcommand show${sub ? `, not "${sub}"` : ''}\nusage: ${usage}`);
    if (!addr || rest.length) throw new NodeError('USAGE', `account show needs exactly one address\nusage: ${usage}`);
    const a = await rpcClient(values).call('account_get', [addressArg(addr)]);
    if (values.json) return (console.log(JSON.stringify(a, null, 2)), 0);
    const height = BigInt(a.height);
    const v = a.validator;
    console.log(table([
      ['address', a.address],
      ['balance', a.balance],
      ['nonce', a.pendingNonce === a.nonce ? a.nonce : `${a.nonce} (next ${a.pendingNonce}, counting pending transactions)`],
      ['stake', v ? `${v.stake}${v.jailed ? ' (jailed)' : ''}` : '0 (not a validator)'],
      ['unbonding', a.unbonding.length ? a.unbonding.map((e) => `${e.amount} at block ${e.completionHeight} (in ${BigInt(e.completionHeight) - height} blocks)`).join('\n') : 'none'],
      ['height', a.height],
    ]));
    return 0;
  },
};
