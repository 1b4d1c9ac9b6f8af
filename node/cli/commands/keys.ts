import { randomBytes } from 'node:crypto';
import { Keystore } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseFlags } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain keys new NAME | list | show NAME  [--data-dir DIR] [--passphrase-file FILE]';

export const command: CliCommand = {
  name: 'keys', summary: 'manage the encrypted keystore (new, list, show)', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { 'data-dir': { type: 'string' }, 'passphrase-file': { type: 'string' } }, usage, true);
    if (values.help) return (console.log(usage), 0);
    const dir = (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
    const ks = new Keystore(dataDirLayout(dir).keys);
    const [sub, name, ...rest] = positionals;
    if (rest.length) throw new NodeError('USAGE', `unexpected arguments: ${rest.join(' ')}\nusage: ${usage}`);
    switch (sub) {
      case 'new': {
        if (!name) throw new NodeError('USAGE', `keys new needs a NAME\nusage: ${usage}`);
        const passphrase = await getPassphrase(values['passphrase-file'] as string | undefined, `encrypt key "${name}"`);
        console.log(JSON.stringify(await ks.create(name, new Uint8Array(randomBytes(32)), passphrase), null, 2));
        return 0;
      }
      case 'list':
        for (const k of await ks.list()) console.log(`${k.name.padEnd(20)} ${k.address}`);
        return 0;
      case 'show':
        if (!name) throw new NodeError('USAGE', `keys show needs a NAME\nusage: ${usage}`);
        console.log(JSON.stringify(await ks.show(name), null, 2));
        return 0;
      default:
        throw new NodeError('USAGE', `unknown keys subcommand ${JSON.stringify(sub ?? '')}\nusage: ${usage}`);
    }
  },
};
