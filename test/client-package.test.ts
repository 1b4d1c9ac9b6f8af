// `polchain/client` from outside the repo: a throwaway consumer project in a temp folder depends on
// this package (packed with `npm pack` and unpacked into its node_modules), imports the
// package export, typechecks with tsc (a wrong param type must be an error: the client is typed
// from the method table), and runs the two examples of docs/rpc.md against a real node: the
// explorer follows new heads over WebSocket; the wallet reads the head, signs and sends a transfer,
// and reads it back. It fails if the export, its entry, its types or the documented examples break.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { devAccount, devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { PolchainNode } from '../node/index.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed } from '../primitives/index.ts';
import { ROOT } from './helpers/node-process.ts';

const run = promisify(execFile);

/** The examples of docs/rpc.md "Using the client from another project", by the file name on their first line. */
async function docExamples(): Promise<Map<string, string>> {
  const md = await readFile(join(ROOT, 'docs', 'rpc.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of md.matchAll(/```ts\n(\/\/ ([a-z-]+\.ts)[^\n]*\n[\s\S]*?)```/g)) out.set(m[2]!, m[1]!);
  return out;
}

// never run: the table types each method's params, so a number where a hex string belongs is an error
const TYPED = `import { RpcClient } from 'polchain/client';
export function typed(c: RpcClient): void {
  // @ts-expect-error tx_submit takes the transaction as a 0x-hex string
  void c.call('tx_submit', [42]);
  // @ts-expect-error no such method in the table
  void c.call('tx_send', []);
}
`;

test('polchain/client: a consumer project imports it, typechecks, and sends a signed transfer to a real node', { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-client-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const seed = new Uint8Array(32).fill(7);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts: 3 });
  const node = await PolchainNode.start({
    dataDir: join(dir, 'node'), genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: true, host: '127.0.0.1', port: 0 },
    blockIntervalMs: 50, emptyBlocks: true,
  });
  t.after(() => node.stop());

  // the package as npm publishes it: `npm pack`, unpacked where `npm install polchain-0.1.0.tgz`
  // puts it; its dependencies (hoisted beside it, as npm does) are links to this checkout's
  const app = join(dir, 'consumer');
  const modules = join(app, 'node_modules');
  await mkdir(join(modules, 'polchain'), { recursive: true });
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const tarball = join(dir, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
  await run('tar', ['-xzf', tarball, '-C', join(modules, 'polchain'), '--strip-components=1']);
  for (const name of await readdir(join(ROOT, 'node_modules'))) {
    if (name !== 'polchain' && !name.startsWith('.')) await symlink(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { polchain: `file:${tarball}` } }, null, 2));
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, skipLibCheck: true, allowImportingTsExtensions: true, noEmit: true },
    include: ['*.ts'],
  }, null, 2));
  const examples = await docExamples();
  assert.deepEqual([...examples.keys()].sort(), ['explorer.ts', 'wallet.ts'], 'docs/rpc.md shows a wallet and an explorer');
  for (const [file, code] of examples) await writeFile(join(app, file), code);
  await writeFile(join(app, 'typed.ts'), TYPED);

  const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', app], { cwd: app }).catch((e) => e);
  assert.equal(tsc.code ?? 0, 0, `tsc in the consumer: ${tsc.stdout}${tsc.stderr}`);

  const to = encodeAddress(devAccount(2).address);
  const tsx = 'tsx'; // the consumer's own (node resolves --import from its cwd)
  // the explorer sees three blocks come in, then unsubscribes and exits
  const explorer = await run(process.execPath, ['--import', tsx, 'explorer.ts', node.rpcUrl!, '3'], { cwd: app, timeout: 120_000 });
  const heads = explorer.stdout.trim().split('\n').filter((l) => l.startsWith('block '));
  assert.equal(heads.length, 3, explorer.stdout);
  assert.match(heads[0]!, /^block \d+ 0x[0-9a-f]{64} with \d+ txs, proposed by pol1/);
  const out = await run(process.execPath, ['--import', tsx, 'wallet.ts', node.rpcUrl!, bytesToHex(devAccount(0).seed), to, '1234'], { cwd: app, timeout: 120_000 });
  const r = JSON.parse(out.stdout.trim()) as { head: string; hash: string; height: string; kind: string; amount: string; sender: string };
  assert.match(r.head, /^\d+$/);
  assert.equal(r.kind, 'transfer');
  assert.equal(r.amount, '1234');
  assert.equal(r.sender, encodeAddress(devAccount(0).address));
  // the node agrees: the transfer is committed where the consumer read it
  const loc = await node.store.getTxLocation(Uint8Array.from(Buffer.from(r.hash.slice(2), 'hex')));
  assert.equal(loc?.height, BigInt(r.height));
});
