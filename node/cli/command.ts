/** A `polchain` subcommand. `run` gets the arguments after the subcommand's name and returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
