// Load generators for bench/rpc.ts: keep-alive HTTP request loops, a pre-signed transfer stream
// and a crowd of WebSocket newHeads subscribers, plus the child-process plumbing.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccountSeed } from '../genesis/index.ts';
import { bytesToHex } from '../primitives/index.ts';

export const say = (s: string) => process.stderr.write(s + '\n');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.timeOrigin + performance.now();
export const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export interface Child { child: ChildProcess; info: Record<string, any>; onMessage(f: (m: any) => void): void; cpuUs(): Promise<number>; stop(): Promise<void> }

/** Forks bench/rpc.ts --serve KIND ARGS and resolves with the first message it sends (where it listens). */
export async function startChild(kind: string, args: string[] = []): Promise<Child> {
  const self = fileURLToPath(new URL('./rpc.ts', import.meta.url));
  const child = fork(self, ['--serve', kind, ...args], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CHILD_PROF] : [])] });
  const info = await new Promise<Record<string, any>>((res, rej) => {
    child.once('message', (m) => res(m as Record<string, any>));
    child.once('exit', (code) => rej(new Error(`server ${kind} exited with ${code} before listening`)));
  });
  return {
    child, info,
    onMessage: (f) => child.on('message', f),
    cpuUs: () => new Promise((res) => {
      const f = (m: any) => { if (typeof m?.cpuUs === 'number') { child.off('message', f); res(m.cpuUs); } };
      child.on('message', f);
      child.send('cpu');
    }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGCONT'); // in case a failed round left it stopped
      child.disconnect();
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function keepAliveAgent(conc: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: conc });
}

export function post(agent: http.Agent, url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(text));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Requests per second of `f` run by `conc` loops for `secs` seconds. */
export async function rate(f: () => Promise<unknown>, conc: number, secs: number, per = 1): Promise<number> {
  let n = 0;
  const end = Date.now() + secs * 1000;
  await Promise.all(Array.from({ length: conc }, async () => { while (Date.now() < end) { await f(); n++; } }));
  return Math.round((n * per) / secs);
}

/** JSON-RPC tx_submit bodies: `perAccount` transfers from each of dev accounts 0..accounts-1, nonce-major order. */
export function signedTransfers(chainId: string, accounts: number, perAccount: number): string[] {
  const seeds = Array.from({ length: accounts }, (_, a) => devAccountSeed(a));
  const to = new Uint8Array(20).fill(0xb0);
  const out: string[] = [];
  for (let nonce = 0; nonce < perAccount; nonce++) {
    for (let a = 0; a < accounts; a++) {
      const tx = encodeTx(signTx({ chainId, nonce: BigInt(nonce), fee: 1n, payload: { kind: 'transfer', to, amount: 1n } }, seeds[a]!));
      out.push(JSON.stringify({ jsonrpc: '2.0', method: 'tx_submit', params: ['0x' + bytesToHex(tx)], id: out.length }));
    }
  }
  return out;
}

/** Posts every body once from `conc` keep-alive loops; returns the rate and the error replies. */
export async function submitAll(url: string, bodies: string[], conc: number): Promise<{ tps: number; ms: number; errors: string[] }> {
  const agent = keepAliveAgent(conc);
  const errors: string[] = [];
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < bodies.length) {
      const reply = await post(agent, url, bodies[next++]!);
      if (!reply.includes('"result"')) errors.push(reply);
    }
  }));
  const ms = performance.now() - t;
  agent.destroy();
  return { tps: Math.round(bodies.length / (ms / 1000)), ms, errors };
}

/** `n` WebSocket connections, each subscribed to newHeads, recording when each head arrives. */
export class HeadSubscribers {
  readonly sockets: WebSocket[] = [];
  /** height -> receipt times (ms, performance.timeOrigin-based), one per subscriber that got it. */
  readonly receipts = new Map<number, number[]>();
  closedEarly = 0;

  static async open(wsUrl: string, n: number, parallel = 50): Promise<HeadSubscribers> {
    const s = new HeadSubscribers();
    for (let i = 0; i < n; i += parallel) {
      await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => s.openOne(wsUrl)));
      if ((i + parallel) % 250 === 0) say(`  ${i + parallel} subscribers`);
    }
    return s;
  }

  private openOne(wsUrl: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      let subscribed = false;
      ws.on('open', () => ws.send('{"jsonrpc":"2.0","method":"subscribe","params":["newHeads"],"id":1}'));
      ws.on('message', (data) => {
        const at = now();
        const m = JSON.parse(data.toString());
        if (!subscribed) {
          if (typeof m.result !== 'string') return reject(new Error(`subscribe failed: ${data.toString()}`));
          subscribed = true;
          this.sockets.push(ws);
          return resolve();
        }
        const h = Number(m.params.result.height);
        let r = this.receipts.get(h);
        if (!r) this.receipts.set(h, (r = []));
        r.push(at);
      });
      ws.on('error', (e) => { if (!subscribed) reject(e); });
      ws.on('close', () => { if (subscribed) this.closedEarly++; });
    });
  }

  async close(): Promise<void> {
    const socks = this.sockets.splice(0);
    await Promise.all(socks.map((ws) => new Promise<void>((r) => { ws.removeAllListeners('close'); ws.once('close', () => r()); ws.close(); })));
  }
}
