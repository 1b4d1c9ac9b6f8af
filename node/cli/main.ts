// The `polchain` command line: one subcommand per module under ./commands.
import { NodeError } from '../util/index.ts';
import { RpcClientError } from '../../rpc/index.ts';
import type { CliCommand } from './command.ts';
import { CodedError, errorLine } from '../../primitives/index.ts';

const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  init: () => import('./commands/init.ts'),
  start: () => import('./commands/start.ts'),
  keys: () => import('./commands/keys.ts'),
  tx: () => import('./commands/tx.ts'),
  status: () => import('./commands/status.ts'),
  demo: () => import('./commands/demo.ts'),
  devnet: () => import('./commands/devnet.ts'),
  train: () => import('./commands/train.ts'),
  replay: () => import('./commands/replay.ts'),
  eval: () => import('./commands/eval.ts'),
  job: () => import('./commands/job.ts'),
  solver: () => import('./commands/solver.ts'),
};

async function help(): Promise<string> {
  const lines = ['usage: polchain <command> [flags]   (polchain <command> --help for its flags)', ''];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      lines.push(`  ${name.padEnd(8)} ${(await load()).command.summary}`);
    } catch {
      lines.push(`  ${name.padEnd(8)} (unavailable in this build)`);
    }
  }
  return lines.join('\n');
}

/** Runs a command and returns the exit code; errors with a code print as one line, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`polchain: unknown command "${name}"\n\n${await help()}`);
    return 2;
  }
  try {
    return await (await load()).command.run(rest);
  } catch (e) {
    if (e instanceof RpcClientError) {
      const detail = (e.data as { code?: string } | undefined)?.code;
      console.error(`polchain ${name}: ${detail ?? e.codeName ?? 'RPC_ERROR'}: ${e.message} (JSON-RPC ${e.code})`);
      return 1;
    }
    if (e instanceof CodedError) {
      console.error(`polchain ${name}: ${e.code}: ${e.message}`);
      return e instanceof NodeError && e.code === 'USAGE' ? 2 : 1;
    }
    // An operating-system error (a missing or unreadable file a flag named) is the user's to fix: one line.
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string') {
      console.error(`polchain ${name}: ${errorLine(e)}`);
      return 1;
    }
    console.error(`polchain ${name}: unexpected error:`, e);
    return 1;
  }
}

if (process.argv[1] && /polchain(\.mjs)?$|main\.ts$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
