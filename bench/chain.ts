// npm run bench:chain — transfers/s through applyBlock and through a real node over JSON-RPC, both
// as a ratio to node:crypto ed25519 verifications/s measured in the same run (the ceiling: every
// transfer needs one verification).
import { createPublicKey, createPrivateKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { applyBlock, buildBlock, commitBlock, createGenesisState, encodeTx, signTx, type ChainState } from '../vm/index.ts';
import { devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { RpcClient } from '../rpc/index.ts';
import { PolchainNode } from '../node/index.ts';
import { bytesToHex, publicKeyFromSeed, addressFromPublicKey, sha256, verify } from '../primitives/index.ts';

const ACCOUNTS = 500;
const BLOCK_TXS = 2_000;
const BLOCKS = 4;
const RPC_TXS = Number(process.env.BENCH_RPC_TXS ?? 6_000);

// A live status line on a terminal; in a pipe or CI log only the stage changes, one per line.
let lastStage = '';
const status = (s: string) => {
  if (process.stderr.isTTY) return void process.stderr.write(`\r${s.padEnd(78)}`);
  const stage = s.replace(/[0-9/]+/g, '').trim();
  if (stage && stage !== lastStage) process.stderr.write(`${s}\n`);
  lastStage = stage;
};
const seeds = Array.from({ length: ACCOUNTS }, (_, i) => sha256(new TextEncoder().encode(`bench account ${i}`)));
const addrs = seeds.map((s) => addressFromPublicKey(publicKeyFromSeed(s)));
const valSeed = new Uint8Array(32).fill(3);
const valPk = publicKeyFromSeed(valSeed);

function genesis(chainId: string) {
  const g = devGenesis({ validators: [{ address: addressFromPublicKey(valPk), consensusKey: valPk, blsKey: blsPublicKey(blsSecretFromSeed(valSeed)) }], genesisTimeMs: 1n, devAccounts: 0, chainId });
  g.accounts.push(...addrs.map((address) => ({ address, balance: 10n ** 15n })));
  return g;
}

function transfers(chainId: string, count: number, nonceBase: (i: number) => bigint): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const from = i % ACCOUNTS;
    out.push(encodeTx(signTx({ chainId, nonce: nonceBase(i), fee: 1n, payload: { kind: 'transfer', to: addrs[(from + 1) % ACCOUNTS]!, amount: 10n } }, seeds[from]!)));
  }
  return out;
}

// 1. Ceiling: raw node:crypto ed25519 verifications per second (KeyObjects prepared ahead, as a node caches them).
function measureVerify(): { raw: number; vm: number } {
  const n = 20_000;
  const der = (pk: Uint8Array) => Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk]);
  const items = Array.from({ length: 256 }, (_, i) => {
    const seed = seeds[i]!;
    const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
    const msg = sha256(seed);
    const pk = publicKeyFromSeed(seed);
    return { key: createPublicKey({ key: der(pk), format: 'der', type: 'spki' }), pk, msg, sig: nodeSign(null, msg, priv) };
  });
  let t = performance.now();
  for (let i = 0; i < n; i++) { const it = items[i & 255]!; if (!nodeVerify(null, it.msg, it.key, it.sig)) throw new Error('verify failed'); }
  const raw = n / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < n; i++) { const it = items[i & 255]!; if (!verify(it.pk, it.msg, it.sig)) throw new Error('vm verify failed'); }
  return { raw, vm: n / ((performance.now() - t) / 1000) };
}

// 2. applyBlock: validate blocks of signed transfers built by another node (no signature cache).
function measureApply(): number {
  const chainId = 'bench-apply';
  const builder: ChainState = createGenesisState(genesis(chainId));
  const blocks = [];
  for (let b = 0; b < BLOCKS; b++) {
    status(`building block ${b + 1}/${BLOCKS}`);
    const txs = transfers(chainId, BLOCK_TXS, (i) => BigInt(b * (BLOCK_TXS / ACCOUNTS) + Math.floor(i / ACCOUNTS)));
    const r = buildBlock(builder, { height: builder.height + 1n, timestampMs: builder.lastTimestampMs + 1000n, proposer: addressFromPublicKey(valPk) }, txs);
    if (r.rejected.length) throw new Error(`bench block rejected ${r.rejected[0]!.error.message}`);
    commitBlock(builder, r);
    blocks.push(r.block);
  }
  const validator: ChainState = createGenesisState(genesis(chainId));
  const t = performance.now();
  for (const [i, block] of blocks.entries()) {
    status(`applyBlock ${i + 1}/${BLOCKS}`);
    commitBlock(validator, applyBlock(validator, block));
  }
  const s = (performance.now() - t) / 1000;
  if (bytesToHex(validator.stateRoot) !== bytesToHex(builder.stateRoot)) throw new Error('state roots differ');
  return (BLOCKS * BLOCK_TXS) / s;
}

// 3. A real node (LevelDB, fastify): submit over JSON-RPC in batches, until every receipt exists.
async function measureRpc(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-bench-'));
  const chainId = 'bench-rpc';
  const node = await PolchainNode.start({
    dataDir: dir, genesis: genesis(chainId), validatorSeed: valSeed, logger: pino({ level: 'warn' }),
    rpc: { enabled: true, host: '127.0.0.1', port: 0, maxBatch: 500, bodyLimit: 8 << 20 }, blockIntervalMs: 100, emptyBlocks: false,
  });
  try {
    const rpc = new RpcClient(node.rpcUrl!);
    status('signing RPC transfers');
    const txs = transfers(chainId, RPC_TXS, (i) => BigInt(Math.floor(i / ACCOUNTS))).map((t) => '0x' + bytesToHex(t));
    const hashes = txs.map((t) => '0x' + bytesToHex(sha256(Buffer.from(t.slice(2), 'hex'))));
    const last = hashes[hashes.length - 1]!;
    const t = performance.now();
    for (let i = 0; i < txs.length; i += 250) {
      const res = await rpc.batch(txs.slice(i, i + 250).map((x) => ({ method: 'tx_submit', params: [x] })));
      for (const r of res) if (!('result' in r)) throw new Error(`submit failed ${JSON.stringify(r)}`);
      status(`submitted ${Math.min(i + 250, txs.length)}/${txs.length}`);
    }
    let height = 0n;
    for (;;) {
      const receipts = await rpc.batch([last, ...hashes.slice(0, 1)].map((h) => ({ method: 'tx_getReceipt', params: [h] })));
      if (receipts.every((r) => 'result' in r && r.result)) break;
      height = node.state.height;
      status(`waiting for commit (height ${height}, mempool ${node.mempool.size})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const s = (performance.now() - t) / 1000;
    // Every one, not a sample: the rate counts only if all of them committed.
    for (let i = 0; i < hashes.length; i += 500) {
      const res = await rpc.batch(hashes.slice(i, i + 500).map((h) => ({ method: 'tx_getReceipt', params: [h] })));
      if (!res.every((r) => 'result' in r && r.result)) throw new Error('a transaction did not commit');
    }
    return RPC_TXS / s;
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const { raw, vm } = measureVerify();
const apply = measureApply();
const rpcTps = await measureRpc();
if (process.stderr.isTTY) process.stderr.write(`\r${''.padEnd(78)}\r`);
const out = {
  verify_per_s: Math.round(raw), vm_verify_per_s: Math.round(vm), apply_tps: Math.round(apply), rpc_tps: Math.round(rpcTps),
  apply_ratio: +(apply / raw).toFixed(3), rpc_ratio: +(rpcTps / raw).toFixed(3),
  block_txs: BLOCK_TXS, rpc_txs: RPC_TXS, node: process.version,
};
console.log(`node:crypto ed25519 verify  ${out.verify_per_s} /s   (vm strict verify ${out.vm_verify_per_s} /s)`);
console.log(`applyBlock transfers        ${out.apply_tps} /s   ratio ${out.apply_ratio}`);
console.log(`RPC submit -> commit        ${out.rpc_tps} /s   ratio ${out.rpc_ratio}`);
console.log(JSON.stringify(out));
