import { homedir } from 'node:os';
import { join } from 'node:path';

/** XDG base directory spec: $XDG_DATA_HOME/polchain, else ~/.local/share/polchain. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share'), 'polchain');
}

export const dataDirLayout = (dir: string) => ({
  config: join(dir, 'config.json'),
  genesis: join(dir, 'genesis.json'),
  keys: join(dir, 'keys'),
  db: join(dir, 'db'),
  identity: join(dir, 'identity.json'),
  /** The last committed height and hash, fsynced after each commit: a database that went backwards is caught. */
  headMarker: join(dir, 'head.marker'),
  signHistory: join(dir, 'sign-history.json'),
  wal: join(dir, 'cs.wal'),
  /** Users' datasets (`polchain dataset add`), served by root over DA (docs/datasets.md). */
  datasets: join(dir, 'datasets'),
  validatorKeyName: 'validator',
});
