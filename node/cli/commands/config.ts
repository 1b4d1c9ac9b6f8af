import { exampleConfig } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain config example';

export const command: CliCommand = {
  name: 'config', summary: 'print an annotated example config.json (every setting, its default, flag and env name)', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {}, usage, true);
    if (values.help) return (console.log(formatHelp(usage, {}, `${command.summary}.\nWrite it to <data-dir>/config.json and edit; // comment lines are allowed there.`)), 0);
    if (positionals.length !== 1 || positionals[0] !== 'example') throw new NodeError('USAGE', `expected "example", got ${positionals.length ? `"${positionals.join(' ')}"` : 'nothing'}\nusage: ${usage}`);
    console.log(exampleConfig());
    return 0;
  },
};
