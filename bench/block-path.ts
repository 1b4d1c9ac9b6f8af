// node --import tsx bench/block-path.ts — CPU per transfer on the block path of a validator, on a
// real LevelDB: the proposer reaps its mempool, builds and encodes the block and commits it; another
// validator decodes it, applies it with its own mempool's verified transactions (no signature work,
// as in the BFT engine) and commits it. Admission (signature checks) is done before and not counted.
// The baseline, measured in the same run, is one node:crypto ed25519 verification: the per-transfer
// cost admission pays once per process and that no block path can avoid.
// BENCH_SENDERS (default 40, as bench:consensus), BENCH_BLOCK_TXS (800), BENCH_BLOCKS (12, after 4 warm-up),
// BENCH_BACKLOG (1: blocks of transfers pending beyond the one built).
import { timeVerifications } from './ed25519-baseline.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { applyBlock, buildBlock, decodeBlock, encodeBlock, encodeTx, signTx, type BlockResult, type ChainState } from '../vm/index.ts';
import { devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { ChainStore } from '../node/storage/index.ts';
import { Mempool, DEFAULT_MEMPOOL } from '../node/mempool/index.ts';
import { commitDecidedBlock, type CommitTarget } from '../node/chain/index.ts';
import { bytesToHex, publicKeyFromSeed, addressFromPublicKey, sha256 } from '../primitives/index.ts';

const SENDERS = Number(process.env.BENCH_SENDERS ?? 40);
const BLOCK_TXS = Number(process.env.BENCH_BLOCK_TXS ?? 800);
const WARMUP = 4;
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 12);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1);

const seeds = Array.from({ length: SENDERS }, (_, i) => sha256(new TextEncoder().encode(`block-path account ${i}`)));
const addrs = seeds.map((s) => addressFromPublicKey(publicKeyFromSeed(s)));
const valSeed = new Uint8Array(32).fill(5);
const valPk = publicKeyFromSeed(valSeed);
const proposer = addressFromPublicKey(valPk);
const chainId = 'bench-block-path';
const genesis = devGenesis({ validators: [{ address: proposer, consensusKey: valPk, blsKey: blsPublicKey(blsSecretFromSeed(valSeed)) }], genesisTimeMs: 1n, devAccounts: 0, chainId });
genesis.accounts.push(...addrs.map((address) => ({ address, balance: 10n ** 15n })));

/** The transfers of block `b`: each sender sends BLOCK_TXS / SENDERS in nonce order, to fresh and known recipients alike. */
function blockTxs(b: number): Uint8Array[] {
  const per = Math.ceil(BLOCK_TXS / SENDERS);
  const out: Uint8Array[] = [];
  for (let i = 0; i < BLOCK_TXS; i++) {
    const from = i % SENDERS;
    const nonce = BigInt(b * per + Math.floor(i / SENDERS));
    const to = i % 2 === 0 ? addrs[(from + 1) % SENDERS]! : sha256(Uint8Array.of(b, i & 255, i >> 8)).subarray(0, 20);
    out.push(encodeTx(signTx({ chainId, nonce, fee: 1n, payload: { kind: 'transfer', to, amount: 10n } }, seeds[from]!)));
  }
  return out;
}

function verifyUs(): number {
  const n = 5_000;
  return timeVerifications(n).cpuUs / n;
}

const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
let mempoolCpu = 0;

interface Side { store: ChainStore; state: ChainState; mempool: Mempool; target: CommitTarget }

async function side(dir: string): Promise<Side> {
  const store = await ChainStore.open(dir);
  const state = await store.initState(genesis);
  const mempool = new Mempool(state, { ...DEFAULT_MEMPOOL, maxNonceGap: 100_000n });
  const target: CommitTarget = { state, store, mempool, logger: pino({ level: 'warn' }), onCommit: () => {} };
  // the mempool's share of the commit (re-checking what the block touched) is counted apart
  const update = mempool.update.bind(mempool);
  mempool.update = (...args) => { const t = cpu(); try { return update(...args); } finally { mempoolCpu += cpu() - t; } };
  return { store, state, mempool, target };
}


const root = await mkdtemp(join(tmpdir(), 'polchain-block-path-'));
const P = await side(join(root, 'p'));
const V = await side(join(root, 'v'));
const totals = { build: 0, proposerCommit: 0, validate: 0, validatorCommit: 0, mempool: 0 };
let measuredTxs = 0;
try {
  const baseline = verifyUs();
  const all = Array.from({ length: WARMUP + BLOCKS }, (_, b) => blockTxs(b));
  const admit = (b: number) => { for (const t of all[b] ?? []) { P.mempool.add(t); V.mempool.add(t); } };
  // The pool holds BACKLOG blocks of transfers ahead of the one being built, as under sustained
  // load; with BENCH_BACKLOG >= BENCH_BLOCKS + 4 all is admitted first, so that a profile of this
  // process shows the block path alone once admission is over.
  for (let b = 0; b <= BACKLOG; b++) admit(b);
  process.stderr.write('admitted; block path starts\n');
  for (let b = 0; b < WARMUP + BLOCKS; b++) {
    if (b > 0) admit(b + BACKLOG);
    const height = P.state.height + 1n;
    mempoolCpu = 0;
    const t0 = cpu();
    const { txs: reaped, preverified } = P.mempool.reap(BLOCK_TXS, P.state.params.maxBlockBytes);
    const built: BlockResult = buildBlock(P.state, { height, timestampMs: P.state.lastTimestampMs + 1000n, proposer }, reaped, preverified);
    const bytes = encodeBlock(built.block);
    built.encoded = bytes; // as node/bft/proposal-app.ts does
    const t1 = cpu();
    await commitDecidedBlock(P.target, { result: built, commit: { height, blockHash: built.hash, signatures: [] }, quiet: true });
    const t2 = cpu();
    const applied = applyBlock(V.state, decodeBlock(bytes), V.mempool.verified);
    applied.encoded = bytes;
    const t3 = cpu();
    await commitDecidedBlock(V.target, { result: applied, commit: { height, blockHash: applied.hash, signatures: [] }, quiet: true });
    const t4 = cpu();
    if (built.block.txs.length !== BLOCK_TXS) throw new Error(`block ${height} holds ${built.block.txs.length} transfers, not ${BLOCK_TXS}`);
    if (bytesToHex(P.state.stateRoot) !== bytesToHex(V.state.stateRoot)) throw new Error('state roots differ');
    if (b < WARMUP) continue;
    // the mempool's update runs in both commits; each side is charged half
    totals.build += t1 - t0; totals.proposerCommit += t2 - t1 - mempoolCpu / 2; totals.validate += t3 - t2; totals.validatorCommit += t4 - t3 - mempoolCpu / 2;
    totals.mempool += mempoolCpu / 2;
    measuredTxs += BLOCK_TXS;
  }
  const per = (x: number) => +(x / measuredTxs).toFixed(2);
  const proposerUs = per(totals.build + totals.proposerCommit);
  const validatorUs = per(totals.validate + totals.validatorCommit);
  const out = {
    build_us: per(totals.build), proposer_commit_us: per(totals.proposerCommit), validate_us: per(totals.validate), validator_commit_us: per(totals.validatorCommit),
    proposer_us: proposerUs, validator_us: validatorUs, mempool_update_us: per(totals.mempool), verify_us: +baseline.toFixed(2),
    // a 4-validator height: one proposer and three validators, per transfer, in ed25519 verifications (mempool update not counted)
    height_us_per_tx: +(proposerUs + 3 * validatorUs).toFixed(2), ratio_to_verify: +((proposerUs + 3 * validatorUs) / baseline).toFixed(3),
    senders: SENDERS, block_txs: BLOCK_TXS, blocks: BLOCKS, backlog: BACKLOG, node: process.version,
  };
  console.log(`proposer   build ${out.build_us} + commit ${out.proposer_commit_us} = ${proposerUs} µs CPU per transfer`);
  console.log(`validator  apply ${out.validate_us} + commit ${out.validator_commit_us} = ${validatorUs} µs CPU per transfer`);
  console.log(`mempool update after a commit (not counted above) ${out.mempool_update_us} µs per transfer`);
  console.log(`4-validator height ${out.height_us_per_tx} µs per transfer = ${out.ratio_to_verify} ed25519 verifications (${out.verify_us} µs each)`);
  console.log(JSON.stringify(out));
} finally {
  await P.store.close();
  await V.store.close();
  await rm(root, { recursive: true, force: true });
}
