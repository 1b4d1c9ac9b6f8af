import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';
import { checkChainId, devChainId, devGenesis, genesisHash, genesisToJson } from '../../../genesis/index.ts';
import { Keystore, p2pKeyPath } from '../../keystore/index.ts';
import { dataDirLayout, writeIdentityFile } from '../../config/index.ts';
import { peerIdFromSeed } from '../../p2p/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed } from '../../../primitives/index.ts';

const usage = 'polchain devnet [--validators N] [--dir DIR] [--p2p-base-port P] [--rpc-base-port P] [--block-interval-ms MS] [--chain-id ID] [--log-level L]';
const BIN = fileURLToPath(new URL('../../../bin/polchain.mjs', import.meta.url));

function intFlag(v: unknown, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new NodeError('USAGE', `--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

/** Writes N validator data dirs sharing one genesis, each bootstrapping to validator 0. */
export async function createDevnet(dir: string, n: number, p2pBase: number, rpcBase: number, blockIntervalMs: number,
  passphrase = bytesToHex(new Uint8Array(randomBytes(16))), chainId = devChainId(new Uint8Array(randomBytes(4))), devAccounts = 10): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'passphrase'), passphrase + '\n', { mode: 0o600 });
  const seeds = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
  const p2pSeeds = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
  const validators = seeds.map((s) => { const pk = publicKeyFromSeed(s); return { address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(s)) }; });
  const genesis = devGenesis({ validators, genesisTimeMs: BigInt(Date.now()), devAccounts, chainId });
  const boot = `/ip4/127.0.0.1/tcp/${p2pBase}/p2p/${await peerIdFromSeed(p2pSeeds[0]!)}`;
  for (let i = 0; i < n; i++) {
    const nodeDir = join(dir, `node${i}`);
    const layout = dataDirLayout(nodeDir);
    await mkdir(nodeDir, { recursive: true, mode: 0o700 });
    await new Keystore(layout.keys, { n: 1 << 14 }).create(layout.validatorKeyName, seeds[i]!, passphrase);
    await writeFile(p2pKeyPath(nodeDir), bytesToHex(p2pSeeds[i]!) + '\n', { mode: 0o600 });
    await writeFile(layout.genesis, JSON.stringify(genesisToJson(genesis), null, 2) + '\n');
    await writeFile(layout.config, JSON.stringify({
      engine: 'bft', rpcPort: rpcBase + i, p2pListen: `/ip4/127.0.0.1/tcp/${p2pBase + i}`, bootstrap: i === 0 ? '' : boot, blockIntervalMs,
    }, null, 2) + '\n');
    writeIdentityFile(layout.identity, { version: 1, chainId: genesis.chainId, genesisHash: bytesToHex(genesisHash(genesis)), engine: 'bft', validator: encodeAddress(validators[i]!.address) });
  }
}

/** A devnet's validator processes, running. */
export interface DevnetProcesses {
  urls: string[];
  children: ChildProcess[];
  stopAll(): Promise<void>;
}

/**
 * Starts validators 0..count-1 of a devnet dir as `polchain start` processes (logs to DIR/nodeI.log)
 * and resolves with their RPC URLs once each has announced it; stops them all if one fails to start.
 */
export async function startDevnetProcesses(dir: string, count: number, logLevel: string): Promise<DevnetProcesses> {
  const children: ChildProcess[] = [];
  const ready: Array<Promise<string>> = [];
  for (let i = 0; i < count; i++) {
    const nodeDir = join(dir, `node${i}`);
    const log = createWriteStream(join(dir, `node${i}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [BIN, 'start', '--data-dir', nodeDir, '--passphrase-file', join(dir, 'passphrase'), '--log-level', logLevel], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POLCHAIN_PASSPHRASE: '', POLCHAIN_LOG_FORMAT: 'json' }, // read below as JSON, written to files
    });
    children.push(child);
    child.stdout!.pipe(log);
    ready.push(new Promise((resolve, reject) => {
      let buf = '';
      child.stderr!.on('data', (d: Buffer) => {
        log.write(d);
        buf += d;
        const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
        if (m) { resolve(m[1]!); buf = ''; }
      });
      child.once('exit', (code) => reject(new NodeError('USAGE', `validator ${i} exited with code ${code}; see ${join(dir, `node${i}.log`)}`)));
    }));
  }
  const stopAll = async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r))));
  };
  try {
    return { urls: await Promise.all(ready), children, stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Starts every validator of a devnet dir as its own process and stops them all on Ctrl-C. */
export const command: CliCommand = {
  name: 'devnet', summary: 'generate keys and a genesis for N validators and run them as local processes', usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      validators: { type: 'string' }, dir: { type: 'string' }, 'p2p-base-port': { type: 'string' }, 'rpc-base-port': { type: 'string' },
      'block-interval-ms': { type: 'string' }, 'chain-id': { type: 'string' }, 'log-level': { type: 'string' },
    }, usage);
    if (values.help) return (console.log(usage), 0);
    const n = intFlag(values.validators, 'validators', 4, 1, 32);
    const p2pBase = intFlag(values['p2p-base-port'], 'p2p-base-port', 26656, 1024, 65000);
    const rpcBase = intFlag(values['rpc-base-port'], 'rpc-base-port', 8545, 1024, 65000);
    const interval = intFlag(values['block-interval-ms'], 'block-interval-ms', 500, 10, 60_000);
    const chainId = values['chain-id'] === undefined ? undefined : checkChainId(values['chain-id'] as string);
    const dir = (values.dir as string | undefined) ?? await mkdtemp(join(tmpdir(), 'polchain-devnet-'));
    if (!existsSync(join(dir, 'node0', 'genesis.json'))) await createDevnet(dir, n, p2pBase, rpcBase, interval, undefined, chainId);
    const count = (() => { let i = 0; while (existsSync(join(dir, `node${i}`))) i++; return i; })();
    console.log(`devnet in ${dir}: ${count} validators`);
    const { urls, children, stopAll } = await startDevnetProcesses(dir, count, (values['log-level'] as string | undefined) ?? 'info');
    urls.forEach((u, i) => console.log(`validator ${i}: rpc ${u}  log ${join(dir, `node${i}.log`)}`));
    console.log('running; Ctrl-C stops every validator');
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = () => {
        if (++signals > 1) { for (const c of children) c.kill('SIGKILL'); process.exit(130); }
        console.log('stopping validators...');
        void stopAll().then(resolve);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      for (const c of children) c.once('exit', (code) => { if (signals === 0) console.error(`a validator exited (code ${code}); the others keep running`); });
    });
    console.log('all validators stopped');
    return 0;
  },
};
