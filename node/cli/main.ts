// The `polchain` command line: the one place that lists the commands, prints the top-level help and
// the version, handles the global flags and turns every failure into an exit code and one line.
// Nothing is imported at the top: `polchain --help` loads no command module (and so no libp2p,
// LevelDB or TensorFlow), and a command loads only to run or to print its own help.
import type { CliCommand } from './command.ts';
import { EXIT } from './command.ts';

interface Entry { summary: string; load: () => Promise<{ command: CliCommand }> }

/**
 * Every command, in help order. `summary` must equal the module's own `command.summary` (a test
 * checks that), so that the top-level help is right without loading the modules.
 */
export const COMMANDS: Record<string, Entry> = {
  init: { summary: 'create a data dir with a validator key, a dev genesis and a config file', load: () => import('./commands/init.ts') },
  start: { summary: 'run a node (and produce blocks when this data dir holds a validator key)', load: () => import('./commands/start.ts') },
  db: { summary: 'check the stored chain of a stopped node (polchain db check)', load: () => import('./commands/db.ts') },
  config: { summary: 'print an annotated example config.json (every setting, its default, flag and env name)', load: () => import('./commands/config.ts') },
  keys: { summary: 'manage the encrypted keystore (new, list, show, import, export)', load: () => import('./commands/keys.ts') },
  tx: { summary: 'sign and submit a transaction (transfer, stake, unbond) over JSON-RPC', load: () => import('./commands/tx.ts') },
  account: { summary: "show an account's balance, nonce, stake and unbonding over JSON-RPC", load: () => import('./commands/account.ts') },
  validator: { summary: 'list the validator set or show one validator over JSON-RPC', load: () => import('./commands/validator.ts') },
  status: { summary: "print a node's status over JSON-RPC", load: () => import('./commands/status.ts') },
  devnet: { summary: 'generate keys and a genesis for N validators and run them as local processes', load: () => import('./commands/devnet.ts') },
  demo: { summary: 'run a local network on a fresh data dir and exercise it end to end', load: () => import('./commands/demo.ts') },
  'demo-dispute': { summary: 'a devnet of 4 validator processes where polchain watch disputes a faked segment and the chain referees it', load: () => import('./commands/demo-dispute.ts') },
  dataset: { summary: "add a user's csv, jsonl, npy or text file as a dataset in the data dir, and list them", load: () => import('./commands/dataset.ts') },
  job: { summary: 'submit proof-of-learning jobs, show their status and dispute them over JSON-RPC', load: () => import('./commands/job.ts') },
  solver: { summary: 'run a proof-of-learning solver: accept, train, commit, open and reveal jobs', load: () => import('./commands/solver.ts') },
  watch: { summary: 'run a watchtower: replay unsampled segments of jobs in their dispute window and dispute fakes', load: () => import('./commands/watch.ts') },
  train: { summary: 'train a model spec on a bundled dataset, writing checkpoints, per-step hashes and the trace root', load: () => import('./commands/train.ts') },
  replay: { summary: 're-execute one segment of a training run from its checkpoint and compare the step hashes', load: () => import('./commands/replay.ts') },
  eval: { summary: 'report the test accuracy (or mse) of a checkpoint of a training run', load: () => import('./commands/eval.ts') },
};

const GLOBAL_FLAGS = [
  ['-h, --help', 'this help; `polchain help COMMAND` or `polchain COMMAND --help` for a command'],
  ['-V, --version', 'print the version'],
  ['--debug', 'print stack traces and error causes (also POLCHAIN_DEBUG=1)'],
] as const;

export function topLevelHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: polchain [--debug] COMMAND [flags]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([n, e]) => `  ${n.padEnd(w)}  ${e.summary}`),
    '',
    'global flags:',
    ...GLOBAL_FLAGS.map(([f, h]) => `  ${f.padEnd(14)} ${h}`),
    '',
    'exit codes: 0 done, 1 failed, 2 usage error',
  ].join('\n');
}

/** What to do next, for codes whose messages come from modules that do not know about the CLI. */
const NEXT_STEP: Record<string, string> = {
  DATADIR_LOCKED: 'another polchain process is using this data dir; stop it or pass another --data-dir',
  CONFIG_INVALID: 'fix the flag, environment variable or config.json key named above; `polchain config example` lists them all',
  GENESIS_UNREADABLE: 'run `polchain init` to create a data dir, or pass --genesis FILE',
  RPC_TRANSPORT: 'is the node running? pass its address with --rpc URL or POLCHAIN_RPC_URL',
  KEY_UNAVAILABLE: 'check the key name with `polchain keys list`',
};

/** Runs a command and returns the exit code; a failure prints as one line (a stack only with --debug). */
export async function main(argv: string[]): Promise<number> {
  const cut = argv.indexOf('--');
  const head = cut < 0 ? argv : argv.slice(0, cut);
  const debug = head.includes('--debug') || process.env.POLCHAIN_DEBUG === '1';
  // --debug is global: accepted anywhere before `--`, and passed to child processes (devnet) by env.
  if (debug) process.env.POLCHAIN_DEBUG = '1';
  const args = [...head.filter((a) => a !== '--debug'), ...(cut < 0 ? [] : argv.slice(cut))];
  const [name, ...rest] = args;
  if (name === undefined) {
    console.error(topLevelHelp());
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h') return (console.log(topLevelHelp()), EXIT.OK);
  if (name === '--version' || name === '-V') return (console.log((await import('../util/index.ts')).NODE_VERSION), EXIT.OK);
  if (name === 'help') {
    if (rest.length === 0) return (console.log(topLevelHelp()), EXIT.OK);
    return await runCommand(rest[0]!, ['--help'], debug);
  }
  return await runCommand(name, rest, debug);
}

async function runCommand(name: string, rest: string[], debug: boolean): Promise<number> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const what = name.startsWith('-') ? `unknown flag ${name}` : `unknown command "${name}"`;
    console.error(`polchain: USAGE: ${what} (polchain --help lists the commands)`);
    return EXIT.USAGE;
  }
  let command: CliCommand | undefined;
  try {
    command = (await entry.load()).command;
    return await command.run(rest);
  } catch (e) {
    return await report(name, e, debug, command?.usage);
  }
}

async function report(name: string, e: unknown, debug: boolean, usage: string | undefined): Promise<number> {
  // Loaded only on failure: these surfaces pull in more than a help or a version needs.
  const [{ NodeError }, { RpcClientError }, { CodedError, errorLine }] = await Promise.all([
    import('../util/index.ts'), import('../../rpc/index.ts'), import('../../primitives/index.ts'),
  ]);
  const prefix = `polchain ${name}`;
  let line: string;
  let code: number = EXIT.FAILURE;
  let code_: string | undefined;
  if (e instanceof RpcClientError) {
    code_ = (e.data as { code?: string } | undefined)?.code ?? e.codeName ?? 'RPC_ERROR';
    line = `${code_}: ${e.message} (JSON-RPC ${e.code})`;
  } else if (e instanceof CodedError) {
    code_ = e.code;
    // some errors (MlError, MerkleError) already lead their message with the code
    line = e.message.startsWith(`${e.code}: `) ? e.message : `${e.code}: ${e.message}`;
    if (e instanceof NodeError && e.code === 'USAGE') {
      code = EXIT.USAGE;
      // Every usage error ends with the usage, also where a command's own value check threw it.
      if (usage && !e.message.includes('\nusage: ')) line += `\nusage: ${usage}`;
    }
  } else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code === 'ERR_INVALID_URL') {
    // A URL flag a command passed on unchecked (new URL threw): the user's to fix, like any usage error.
    line = `USAGE: "${String((e as { input?: unknown }).input)}" is not a URL; pass one like --rpc http://127.0.0.1:8545/`;
    code = EXIT.USAGE;
  } else if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string') {
    // An operating-system error (a missing or unreadable file a flag named) is the user's to fix: one line.
    line = errorLine(e);
  } else {
    line = `INTERNAL: ${e instanceof Error ? e.message : String(e)} (a bug in polchain; run again with --debug for the stack trace)`;
  }
  const next = code_ !== undefined ? NEXT_STEP[code_] : undefined;
  console.error(`${prefix}: ${line}${next ? `; ${next}` : ''}`);
  if (debug) console.error(e instanceof Error ? describe(e) : e);
  return code;
}

/** The stack and the chain of causes, for --debug. */
function describe(e: Error): string {
  const parts = [e.stack ?? String(e)];
  for (let c = e.cause, depth = 0; c !== undefined && depth < 8; c = c instanceof Error ? c.cause : undefined, depth++) {
    parts.push(`caused by: ${c instanceof Error ? c.stack ?? c.message : String(c)}`);
  }
  return parts.join('\n');
}

if (process.argv[1] && /polchain(\.mjs)?$|main\.ts$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
