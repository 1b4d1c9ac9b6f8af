/**
 * A `polchain` subcommand. `run` gets the arguments after the subcommand's name and returns the exit
 * code (EXIT below); it prints its own help for `--help` (formatHelp in args.ts). Its name and summary
 * are also listed in main.ts's command table, so that the top-level help loads no command module.
 */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** The exit codes of every command: 0 done, 1 a runtime failure, 2 a usage error (bad flag or argument). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;
