// The servers bench/rpc.ts measures, each started in its own child process (argv: --serve KIND ...):
//   rpc-add      the rpc server with one `add` method (framework overhead on a trivial call)
//   bare-add     a bare fastify route doing the same addition
//   bare-submit  a bare fastify route doing a submit's stateless work (see below)
//   node DIR N B a solo PolchainNode on a real LevelDB in DIR, N dev accounts, block interval B ms;
//                it reports each block's commit time over IPC for the WebSocket latency figures
// Each sends {port | url, wsUrl} to the parent once listening and closes when the parent disconnects.
import Fastify from 'fastify';
import { pino } from 'pino';
import { createRpcServer, type RpcMethod } from '../rpc/index.ts';
import { verifyTxBytes } from '../vm/index.ts';
import { devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { PolchainNode } from '../node/index.ts';
import { addressFromPublicKey, bytesToHex, hexToBytes, publicKeyFromSeed, sha256 } from '../primitives/index.ts';

export const BENCH_VALIDATOR_SEED = new Uint8Array(32).fill(9);
export const BENCH_GENESIS_TIME = 1_000n;

/** The genesis both the node and the baseline use (the baseline needs its chain id). */
export function benchGenesis(devAccounts: number) {
  const seed = BENCH_VALIDATOR_SEED;
  const pk = publicKeyFromSeed(seed);
  return devGenesis({
    validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }],
    genesisTimeMs: BENCH_GENESIS_TIME, devAccounts,
  });
}

const add: RpcMethod = {
  name: 'add', summary: 'a+b',
  params: [{ name: 'a', required: true, schema: { type: 'integer' } }, { name: 'b', required: true, schema: { type: 'integer' } }],
  result: { type: 'integer' }, handler: (p: { a: number; b: number }) => p.a + p.b,
};

async function bare(route: (body: any) => unknown): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/', async (req) => route(req.body));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ port: (app.server.address() as { port: number }).port });
  process.on('disconnect', () => void app.close());
}

const now = () => performance.timeOrigin + performance.now();

export async function serve(kind: string, args: string[]): Promise<void> {
  // CPU time on request: per-request CPU is far less disturbed by a shared machine than wall-clock rates
  process.on('message', (m) => { if (m === 'cpu') { const u = process.cpuUsage(); process.send!({ cpuUs: u.user + u.system }); } });
  if (kind === 'rpc-add') {
    const s = await createRpcServer({ methods: [add], port: 0 });
    process.send!({ port: s.address.port });
    process.on('disconnect', () => void s.close());
  } else if (kind === 'bare-add') {
    await bare((r: { params: [number, number]; id: number }) => ({ jsonrpc: '2.0', result: r.params[0] + r.params[1], id: r.id }));
  } else if (kind === 'bare-submit') {
    // What any submit endpoint must do before a mempool sees the transaction: fastify parses the
    // JSON body, the hex string becomes bytes, and vm's verifyTxBytes decodes the transaction,
    // checks its chain id and its ed25519 signature; the reply carries the hash. No schema, no
    // JSON-RPC envelope checks, no state, no block production: the floor a node's tx_submit sits on.
    const { chainId, params } = benchGenesis(Number(args[0] ?? 1));
    await bare((r: { params: [string]; id: number }) => {
      const raw = hexToBytes(r.params[0].slice(2));
      const hash = sha256(raw);
      verifyTxBytes(raw, chainId, params.maxTxBytes, hash);
      return { jsonrpc: '2.0', result: { hash: '0x' + bytesToHex(hash) }, id: r.id };
    });
  } else if (kind === 'node') {
    const [dataDir, accounts, interval] = args as [string, string, string];
    const node = await PolchainNode.start({
      dataDir, genesis: benchGenesis(Number(accounts)), validatorSeed: BENCH_VALIDATOR_SEED,
      logger: pino({ level: 'warn' }, pino.destination(2)), rpc: { enabled: true, host: '127.0.0.1', port: 0 },
      blockIntervalMs: Number(interval), emptyBlocks: true,
    });
    // The commit time is taken where the node starts telling the world about a committed block
    // (metrics.blockCommitted is the first call of its commit hook, before newHeads is published);
    // the height follows in onBlock, which runs at the end of the same hook, after the notifications were handed to the rpc server (hookMs).
    let committedAt = 0;
    const m = node.metrics;
    const orig = m.blockCommitted.bind(m);
    m.blockCommitted = (ts) => { committedAt = now(); orig(ts); };
    // the callback takes the EPIPE of a block committed while the parent disconnects
    node.onBlock((r) => process.connected && process.send!({ height: Number(r.block.header.height), at: committedAt, hookMs: now() - committedAt, txs: r.block.txs.length }, undefined, undefined, () => {}));
    process.send!({ url: node.rpcUrl, wsUrl: node.wsUrl });
    process.on('disconnect', () => void node.stop().then(() => process.exit(0)));
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
}
