// `polchain/client` from outside the repo: a throwaway consumer project in a temp folder depends on
// this package (a file: dependency, linked into its node_modules as npm links one), imports the
// package export, typechecks with tsc (a wrong param type must be an error: the client is typed
// from the method table), and runs a wallet script against a real node: it reads the head, signs
// and sends a transfer, and reads it back. It fails if the export, its entry or its types break.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

const WALLET = `import { RpcClient, signForSubmit, encodeAddress, decodeAddress, addressFromPublicKey, publicKeyFromSeed, hexToBytes, type ReceiptJson } from 'polchain/client';

const [url, seedHex, to] = process.argv.slice(2) as [string, string, string];
const rpc = new RpcClient(url);
const status = await rpc.call('node_status', []);
const head: string = status.height;
const me = encodeAddress(addressFromPublicKey(publicKeyFromSeed(hexToBytes(seedHex))));
const account = await rpc.call('account_get', [me]);
const signed = signForSubmit({ chainId: status.chainId, nonce: BigInt(account.pendingNonce), fee: 5n, payload: { kind: 'transfer', to: decodeAddress(to), amount: 1234n } }, seedHex);
const { hash } = await rpc.call('tx_submit', [signed.tx]);
if (hash !== signed.hash) throw new Error('the node hashed the transaction differently');
let receipt: ReceiptJson | null = null;
for (let i = 0; i < 400 && !receipt; i++) {
  receipt = await rpc.call('tx_getReceipt', [hash]);
  if (!receipt) await new Promise((r) => setTimeout(r, 25));
}
if (!receipt) throw new Error('no receipt');
const tx = await rpc.call('chain_getTx', [hash]);
console.log(JSON.stringify({ head, hash, height: receipt.height, kind: tx.kind, amount: tx.kind === 'transfer' ? tx.amount : null, sender: tx.sender }));

// never run: the table types each method's params, so a number where a hex string belongs is an error
export function typed(c: RpcClient): void {
  // @ts-expect-error tx_submit takes the transaction as a 0x-hex string
  void c.call('tx_submit', [42]);
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

  const app = join(dir, 'consumer');
  await mkdir(join(app, 'node_modules', '@types'), { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { polchain: `file:${ROOT}` } }, null, 2));
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, skipLibCheck: true, allowImportingTsExtensions: true, noEmit: true },
    include: ['*.ts'],
  }, null, 2));
  // what `npm install` makes of a file: dependency (a link), and the consumer's own @types/node
  await symlink(ROOT, join(app, 'node_modules', 'polchain'), 'dir');
  await symlink(join(ROOT, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'), 'dir');
  await writeFile(join(app, 'wallet.ts'), WALLET);

  const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', app], { cwd: app }).catch((e) => e);
  assert.equal(tsc.code ?? 0, 0, `tsc in the consumer: ${tsc.stdout}${tsc.stderr}`);

  const to = encodeAddress(devAccount(2).address);
  const tsx = import.meta.resolve('tsx');
  const out = await run(process.execPath, ['--import', tsx, 'wallet.ts', node.rpcUrl!, bytesToHex(devAccount(0).seed), to], { cwd: app, timeout: 120_000 });
  const r = JSON.parse(out.stdout.trim()) as { head: string; hash: string; height: string; kind: string; amount: string; sender: string };
  assert.match(r.head, /^\d+$/);
  assert.equal(r.kind, 'transfer');
  assert.equal(r.amount, '1234');
  assert.equal(r.sender, encodeAddress(devAccount(0).address));
  // the node agrees: the transfer is committed where the consumer read it
  const loc = await node.store.getTxLocation(Uint8Array.from(Buffer.from(r.hash.slice(2), 'hex')));
  assert.equal(loc?.height, BigInt(r.height));
});
