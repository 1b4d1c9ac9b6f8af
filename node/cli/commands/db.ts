import { existsSync } from 'node:fs';
import { loadGenesisFile } from '../../../genesis/index.ts';
import { ChainStore, checkStoredChain, checkHeadAgainstMarker, type IntegrityReport } from '../../storage/index.ts';
import { dataDirLayout, defaultDataDir } from '../../config/index.ts';
import { NodeError, Progress } from '../../util/index.ts';
import { errorMessage } from '../../../primitives/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain db check [--data-dir DIR] [--genesis FILE] [--json]';

const flags: Options = {
  'data-dir': { type: 'string', arg: 'DIR', help: 'the data dir to check (default $XDG_DATA_HOME/polchain, else ~/.local/share/polchain)', env: 'POLCHAIN_DATA_DIR' },
  genesis: { type: 'string', arg: 'FILE', help: 'genesis file (default <data-dir>/genesis.json)' },
  json: { type: 'boolean', help: 'print the summary as one JSON object' },
};

const about = 'check the whole stored chain of a stopped node: every block back to genesis decodes, its hash\n'
  + 'chain and commits agree, every receipt reads back, the state matches the head block and the head is\n'
  + 'not behind what the data dir committed (head.marker). Exit 0 when sound, 1 when damaged.';

/** One check the summary lists: ok, or what is wrong. */
async function attempt(problems: string[], f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof NodeError) || !['STORE_CORRUPT', 'STORE_BEHIND', 'STATE_FILE_DAMAGED', 'GENESIS_MISMATCH'].includes(e.code)) throw e;
    problems.push(`${e.code}: ${errorMessage(e)}`);
  }
}

export const command: CliCommand = {
  name: 'db', summary: 'check the stored chain of a stopped node (polchain db check)', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, about)), 0);
    if (positionals.length !== 1 || positionals[0] !== 'check') throw new NodeError('USAGE', positionals.length ? `unknown db command "${positionals[0]}"` : 'db needs a command: check');
    const dir = (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
    const layout = dataDirLayout(dir);
    if (!existsSync(layout.db)) throw new NodeError('DATADIR_MISSING', `${dir} holds no database (${layout.db}); pass the --data-dir of a node that has started`);
    const genesis = await loadGenesisFile((values.genesis as string | undefined) ?? layout.genesis);
    const store = await ChainStore.open(layout.db);
    const problems: string[] = [];
    let report: IntegrityReport | undefined;
    try {
      await attempt(problems, async () => {
        const head = await store.appliedHeight();
        const progress = new Progress({ total: Number(head), label: 'db check', unit: 'blocks' });
        report = await checkStoredChain(store, { receipts: true, onBlock: () => progress.tick() });
        progress.finish();
        problems.push(...report.problems);
      });
      await attempt(problems, () => store.initState(genesis)); // the state tree against the head block's stateRoot
      await attempt(problems, () => checkHeadAgainstMarker(store, layout.headMarker, dir));
    } finally {
      await store.close();
    }
    const r = report as IntegrityReport | undefined; // undefined: not even the head could be read
    const summary = { dataDir: dir, head: r ? Number(r.head) : null, blocks: r?.blocks ?? 0, receipts: r?.receipts ?? 0, ok: problems.length === 0, problems };
    if (values.json) console.log(JSON.stringify(summary));
    else {
      console.log(`${dir}: head ${summary.head}, ${summary.blocks} blocks and ${summary.receipts} receipts read; ${problems.length ? `${problems.length} problem(s):` : 'no problems'}`);
      for (const p of problems) console.log(`  ${p}`);
    }
    return problems.length ? 1 : 0;
  },
};
