// Runs the real `polchain` CLI as child processes, as an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { once } from 'node:events';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = resolve(ROOT, 'bin/polchain.mjs');
export const TEST_PASSPHRASE = 'correct horse battery staple';

export interface CliResult { code: number | null; stdout: string; stderr: string }

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, POLCHAIN_PASSPHRASE: TEST_PASSPHRASE, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(p, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface NodeProcess {
  proc: ChildProcess;
  url: string;
  logs: () => string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/** Starts `polchain start` and resolves once its RPC server is listening (read from the JSON logs). */
export async function startNode(dataDir: string, extra: string[] = [], timeoutMs = 30_000, nodeFlags: string[] = []): Promise<NodeProcess> {
  const proc = spawn(process.execPath, [...nodeFlags, BIN, 'start', '--data-dir', dataDir, '--rpc-port', '0', '--log-level', 'info', ...extra], {
    cwd: ROOT, env: { ...process.env, POLCHAIN_PASSPHRASE: TEST_PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const exited = once(proc, 'exit');
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`node did not start in ${timeoutMs} ms:\n${logs}`)), timeoutMs);
    proc.stderr!.on('data', (d) => {
      logs += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(logs);
      if (m) { clearTimeout(timer); res(m[1]!); }
    });
    proc.stdout!.on('data', (d) => (logs += d));
    proc.on('exit', (code) => { clearTimeout(timer); rej(new Error(`node exited with ${code} before listening:\n${logs}`)); });
  });
  return {
    proc, url, logs: () => logs,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
