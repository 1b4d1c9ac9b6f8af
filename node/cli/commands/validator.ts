import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import { JSON_FLAG, RPC_FLAG, rpcClient } from '../wallet-flags.ts';
import { addressArg, table } from '../wallet-format.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain validator list | show ADDR  [--json] [--rpc URL]';
const flags: Options = { ...JSON_FLAG, ...RPC_FLAG };

/**
 * `list` is the active set (chain_getValidators); `show` reads one account's validator record
 * (account_get), which also exists for a validator that unbonded everything or was jailed.
 */
export const command: CliCommand = {
  name: 'validator', summary: 'list the validator set or show one validator over JSON-RPC', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, command.summary)), 0);
    const [sub, addr, ...rest] = positionals;
    const client = rpcClient(values);
    if (sub === 'list') {
      if (addr !== undefined) throw new NodeError('USAGE', `validator list takes no arguments\nusage: ${usage}`);
      const set = await client.call('chain_getValidators', []);
      if (values.json) return (console.log(JSON.stringify(set, null, 2)), 0);
      const w = Math.max(7, ...set.validators.map((v) => v.stake.length));
      console.log(`${'stake'.padStart(w)}  address`);
      for (const v of set.validators) console.log(`${v.stake.padStart(w)}  ${v.address}`);
      console.log(`${set.validators.length} validators, total stake ${set.totalStake}, at height ${set.height}`);
      return 0;
    }
    if (sub !== 'show') throw new NodeError('USAGE', `validator needs list or show${sub ? `, not "${sub}"` : ''}\nusage: ${usage}`);
    if (!addr || rest.length) throw new NodeError('USAGE', `validator show needs exactly one address\nusage: ${usage}`);
    const a = await client.call('account_get', [addressArg(addr)]);
    const v = a.validator;
    if (!v) throw new NodeError('NOT_A_VALIDATOR', `${a.address} has never staked; \`polchain validator list\` shows the active set`);
    if (values.json) return (console.log(JSON.stringify({ ...v, unbonding: a.unbonding, height: a.height }, null, 2)), 0);
    const state = v.jailed ? 'jailed (slashed for equivocation)' : v.stake === '0' ? 'inactive (all stake unbonded)' : 'active';
    console.log(table([
      ['address', v.address],
      ['status', state],
      ['stake', v.stake],
      ['consensus key', v.consensusKey],
      ['bls key', v.blsKey],
      ['unbonding', a.unbonding.length ? a.unbonding.map((e) => `${e.amount} at block ${e.completionHeight}`).join('\n') : 'none'],
      ['height', a.height],
    ]));
    return 0;
  },
};
