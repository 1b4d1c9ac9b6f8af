// Runs the CLI's main() in this process and captures what it prints (console and the CLI's own
// stdout/stderr writers), one entry per line, joined with '\n'.
import { cliIo, main } from '../../node/cli/index.ts';

export interface CliResult { code: number; out: string; err: string }

export async function cli(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const io = { out: cliIo.out, err: cliIo.err };
  const line = (x: string) => (x.endsWith('\n') ? x.slice(0, -1) : x);
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  cliIo.out = (x: string) => void out.push(line(x));
  cliIo.err = (x: string) => void err.push(line(x));
  try {
    return { code: await main(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    Object.assign(console, { log, error });
    Object.assign(cliIo, io);
  }
}

/** Runs `f` with the CLI's own stdout/stderr writers captured as they are written (console untouched). */
export async function captureCliIo(f: () => Promise<number>): Promise<CliResult> {
  const io = { out: cliIo.out, err: cliIo.err };
  let out = '';
  let err = '';
  cliIo.out = (s: string) => { out += s; };
  cliIo.err = (s: string) => { err += s; };
  try {
    return { code: await f(), out, err };
  } finally {
    Object.assign(cliIo, io);
  }
}
