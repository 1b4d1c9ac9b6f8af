// `polchain validator list | show ADDR`: the active validator set, read over JSON-RPC.
import { RpcClient } from '../../../rpc/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { addressArg, rpcUrlOf } from './account.ts';

const usage = 'polchain validator list | show ADDR [--json] [--rpc URL]';
const flags: Options = {
  rpc: { type: 'string', arg: 'URL', help: "the node's JSON-RPC endpoint (default http://127.0.0.1:8545/)", env: 'POLCHAIN_RPC_URL' },
  json: { type: 'boolean', help: 'print JSON' },
};

export const command: CliCommand = {
  name: 'validator', summary: 'list the validator set or show one validator, over JSON-RPC', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, command.summary)), 0);
    const [sub, arg, ...rest] = positionals;
    if ((sub !== 'list' && sub !== 'show') || rest.length || (sub === 'list' && arg !== undefined)) throw new NodeError('USAGE', `validator needs: list | show ADDR\nusage: ${usage}`);
    const client = new RpcClient(rpcUrlOf(values));
    if (sub === 'show') {
      const address = addressArg(arg, usage);
      const a = await client.call('account_get', [address]);
      if (!a.validator) throw new NodeError('VALIDATOR_NOT_FOUND', `${address} is not a validator at height ${a.height} (stake with: polchain tx stake)`);
      if (values.json) return (console.log(JSON.stringify({ ...a.validator, unbonding: a.unbonding }, null, 2)), 0);
      const v = a.validator;
      console.log([
        `validator     ${v.address}${v.jailed ? ' (jailed)' : ''} at height ${a.height}`,
        `stake         ${v.stake}`,
        `consensus key ${v.consensusKey}`,
        `bls key       ${v.blsKey}`,
        `unbonding     ${a.unbonding.length ? a.unbonding.map((u) => `${u.amount} returns at height ${u.completionHeight}`).join('; ') : 'none'}`,
      ].join('\n'));
      return 0;
    }
    const set = await client.call('chain_getValidators', []);
    if (values.json) return (console.log(JSON.stringify(set, null, 2)), 0);
    const total = BigInt(set.totalStake);
    console.log(`${set.validators.length} validators at height ${set.height}, total stake ${set.totalStake}`);
    for (const v of set.validators) {
      const share = total > 0n ? Number((BigInt(v.stake) * 10_000n) / total) / 100 : 0;
      console.log(`  ${v.address}  stake ${v.stake} (${share.toFixed(2)}%)${v.jailed ? '  jailed' : ''}`);
    }
    return 0;
  },
};
