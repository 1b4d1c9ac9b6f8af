// Every method's real response, checked by ajv (an independent JSON-Schema validator) against the
// result schema rpc.discover publishes: the chain methods and the job views of an open job come from
// a real node; a finalized job (real training, replay and verdict on a vm TestChain) is served by the
// node's real job handlers, so job_getModel and a full committee are covered too, and so is a job in its
// dispute window with a dispute at the referee stage (job_getDispute). Also: no result
// schema anywhere is a bare object, and a height param means the same as a decimal string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Ajv, type ValidateFunction } from 'ajv';
import { encodeTx, signBlsPop, signTx, type JobTerms } from '../vm/index.ts';
import { devAccount, devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { createRpcServer, RpcClient, RPC_METHODS, type OpenRpcDocument, type UntypedApi } from '../rpc/index.ts';
import { jobMethods } from '../node/rpc-methods/index.ts';
import { PolchainNode } from '../node/index.ts';
import { createDetReferee, encodeState } from '../ml-runtime/index.ts';
import { statePieces } from '../node/jobs/index.ts';
import { TestChain, CHAIN_ID, PARAMS } from './helpers/job-test-chain.ts';
import { runJob } from './helpers/job-flow.ts';
import { terms as testTerms, useDet } from './helpers/job-work.ts';
import { honestSegment } from './helpers/dispute-work.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed } from '../primitives/index.ts';

const hx = (b: Uint8Array) => '0x' + bytesToHex(b);
await useDet();
type Schema = Record<string, unknown>;

/** Paths of object schemas that do not list their properties (what generated clients cannot type). */
function bareObjects(s: unknown, path: string, out: string[] = []): string[] {
  if (s === null || typeof s !== 'object') return out;
  const o = s as Schema;
  const types = Array.isArray(o.type) ? o.type : [o.type];
  if (types.includes('object') && (typeof o.properties !== 'object' || Object.keys(o.properties as object).length === 0)) out.push(path);
  if (Array.isArray(o.type) === false && o.type === undefined && !o.oneOf && !o.anyOf && !o.const && !o.enum) out.push(`${path} (no type)`);
  for (const [k, v] of Object.entries((o.properties as Schema | undefined) ?? {})) bareObjects(v, `${path}.${k}`, out);
  if (o.items) bareObjects(o.items, `${path}[]`, out);
  for (const key of ['oneOf', 'anyOf'] as const) (o[key] as unknown[] | undefined)?.forEach((x, i) => bareObjects(x, `${path}.${key}[${i}]`, out));
  return out;
}

class Checker {
  private readonly ajv = new Ajv({ strict: true, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  readonly checked = new Map<string, number>();
  constructor(doc: OpenRpcDocument) {
    for (const m of doc.methods) this.validators.set(m.name, this.ajv.compile(m.result.schema as Schema));
  }
  /** Calls the method and asserts ajv accepts its real result; returns the result. */
  async call(rpc: RpcClient<UntypedApi>, method: string, params: unknown[] | Record<string, unknown>): Promise<any> {
    const result = await rpc.call(method, params as never);
    const v = this.validators.get(method);
    assert.ok(v, `rpc.discover lists ${method}`);
    assert.ok(v(result), `${method}(${JSON.stringify(params)}) does not fit its schema: ${this.ajv.errorsText(v.errors)}\n${JSON.stringify(result).slice(0, 2000)}`);
    this.checked.set(method, (this.checked.get(method) ?? 0) + 1);
    return result;
  }
}

test('every method: real responses pass ajv against the published result schemas; none is a bare object', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-schemas-'));
  const seed = new Uint8Array(32).fill(9);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts: 4 });
  const node = await PolchainNode.start({
    dataDir: dir, genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: true, host: '127.0.0.1', port: 0 },
    blockIntervalMs: 40, emptyBlocks: true,
  });
  t.after(async () => { await node.stop(); await rm(dir, { recursive: true, force: true }); });
  const rpc = new RpcClient(node.rpcUrl!) as unknown as RpcClient<UntypedApi>;
  t.after(() => rpc.close());

  const doc = (await rpc.call('rpc.discover', [])) as OpenRpcDocument;
  const tableNames = Object.keys(RPC_METHODS).sort();
  for (const name of tableNames) {
    const m = doc.methods.find((x) => x.name === name)!;
    assert.deepEqual(bareObjects(m.result.schema, `${name}.result`), [], `${name}: every object schema lists its properties`);
  }
  const check = new Checker(doc);

  // A transfer, a stake and a job submission, so blocks and transactions of three kinds exist.
  const chainId = genesis.chainId;
  const terms: JobTerms = { ...testTerms(), windows: { ...testTerms().windows, accept: 5000 } };
  const bls2 = blsPublicKey(blsSecretFromSeed(devAccount(2).seed));
  const txs = [
    signTx({ chainId, nonce: 0n, fee: 3n, payload: { kind: 'transfer', to: devAccount(1).address, amount: 77n } }, devAccount(0).seed),
    signTx({ chainId, nonce: 0n, fee: 3n, payload: { kind: 'stake', consensusKey: publicKeyFromSeed(devAccount(2).seed), blsKey: bls2, amount: genesis.params.minStake, blsPop: signBlsPop(blsSecretFromSeed(devAccount(2).seed), chainId, devAccount(2).address, bls2) } }, devAccount(2).seed),
    signTx({ chainId, nonce: 0n, fee: 3n, payload: { kind: 'job-submit', terms } }, devAccount(3).seed),
  ].map((tx) => hx(encodeTx(tx)));
  const hashes: string[] = [];
  for (const raw of txs) hashes.push((await check.call(rpc, 'tx_submit', [raw])).hash);
  const receipts: any[] = [];
  for (const h of hashes) {
    let r: any = null;
    for (let i = 0; i < 400 && !r; i++) { r = await check.call(rpc, 'tx_getReceipt', [h]); if (!r) await new Promise((res) => setTimeout(res, 25)); }
    assert.ok(r, `receipt of ${h}`);
    receipts.push(r);
  }
  for (const h of hashes) assert.equal((await check.call(rpc, 'chain_getTx', [h])).hash, h);
  for (const r of receipts) {
    const full = await check.call(rpc, 'chain_getBlock', [Number(r.height), true]);
    // the u64 rule: a height param may be the decimal string a result gave, meaning the same block
    assert.deepEqual(await check.call(rpc, 'chain_getBlock', { block: r.height, full: true }), full);
    assert.ok(full.txs.some((x: any) => x.hash === r.txHash));
    await check.call(rpc, 'chain_getBlock', [r.height]);
    assert.deepEqual(await check.call(rpc, 'chain_getCommit', [r.height]), await check.call(rpc, 'chain_getCommit', [Number(r.height)]));
  }
  await check.call(rpc, 'chain_getBlock', ['latest']);
  assert.equal((await check.call(rpc, 'tx_getReceipt', ['0x' + '42'.repeat(32)])), null);
  const status = await check.call(rpc, 'node_status', []);
  assert.equal(typeof status.height, 'string');
  for (const a of [devAccount(0).address, devAccount(2).address, new Uint8Array(20).fill(0xee)]) {
    await check.call(rpc, 'account_get', [encodeAddress(a)]);
    await check.call(rpc, 'state_getProof', [encodeAddress(a)]);
  }
  await check.call(rpc, 'net_peers', []);
  await check.call(rpc, 'node_syncing', []);
  const set = await check.call(rpc, 'chain_getValidators', []);
  for (const a of [devAccount(0).address, devAccount(2).address]) await check.call(rpc, 'account_getHistory', { address: encodeAddress(a), limit: 2 });
  await check.call(rpc, 'validator_getActivity', [set.validators[0].address, 10]);
  await check.call(rpc, 'validator_list', []);
  const jobId = hashes[2]!;
  await check.call(rpc, 'job_get', [jobId]);
  await check.call(rpc, 'job_list', []);
  await check.call(rpc, 'job_getTrace', [jobId]);
  await check.call(rpc, 'job_getAttestations', [jobId]);
  assert.equal((await check.call(rpc, 'job_getLossCurve', [jobId])).available, false, 'no trace committed yet: no curve');

  // A finalized job: the node's job handlers over a real server, reading a vm state that ran it.
  const c = new TestChain();
  const { id } = runJob(c);
  const server = await createRpcServer({ methods: jobMethods({ jobs: c.state, pending: () => false, height: () => c.state.height }), port: 0 });
  t.after(() => server.close());
  const jobs = new RpcClient<UntypedApi>(server.url);
  t.after(() => jobs.close());
  const jobsCheck = new Checker((await jobs.call('rpc.discover', [])) as OpenRpcDocument);
  assert.equal((await jobsCheck.call(jobs, 'job_get', [hx(id)])).status, 'finalized');
  await jobsCheck.call(jobs, 'job_list', []);
  const trace = await jobsCheck.call(jobs, 'job_getTrace', [hx(id)]);
  assert.ok(trace.reveals.length > 0 && trace.openings.length > 0);
  const att = await jobsCheck.call(jobs, 'job_getAttestations', [hx(id)]);
  assert.ok(att.verdictKnown && att.members.length > 0);
  await jobsCheck.call(jobs, 'job_getModel', [hx(id)]);

  // A provisional job with a dispute at the referee stage, state_t on chain: disputes and their progress in every job view.
  const d = new TestChain('schemas-dispute');
  d.withReferee(createDetReferee());
  const run = runJob(d, { keepOpen: true });
  const dj = d.job(run.id);
  const seg = dj.segments[0]!;
  const lie = honestSegment(dj, run.work, seg);
  lie[1] = new Uint8Array(32).fill(0x42);
  d.block([d.tx(d.other, { kind: 'dispute-open', jobId: run.id, target: 'solver', segment: seg, member: null, hashes: lie })]);
  const step = d.job(run.id).disputes[0]!.step;
  d.block(statePieces(CHAIN_ID, run.id, 0, encodeState(run.work.stateAt(step)), PARAMS.maxTxBytes).map((p) => d.tx(d.solver, p)));
  const dServer = await createRpcServer({ methods: jobMethods({ jobs: d.state, pending: () => false, height: () => d.state.height }), port: 0 });
  t.after(() => dServer.close());
  const disputes = new RpcClient<UntypedApi>(dServer.url);
  t.after(() => disputes.close());
  const dCheck = new Checker((await disputes.call('rpc.discover', [])) as OpenRpcDocument);
  const dg = await dCheck.call(disputes, 'job_get', [hx(run.id)]);
  assert.deepEqual([dg.status, dg.disputes[0].stage, dg.disputes[0].supplies.length], ['provisional', 'referee', 1]);
  assert.equal((await dCheck.call(disputes, 'job_list', { status: 'provisional' })).jobs[0].openDisputes, 1);
  const dd = await dCheck.call(disputes, 'job_getDispute', [hx(run.id), 0]);
  assert.deepEqual([dd.step, dd.claim.length, dd.batchIndices.length > 0], [step, lie.length, true]);
  await dCheck.call(disputes, 'job_getAttestations', [hx(run.id)]);
  await dCheck.call(disputes, 'job_getTrace', [hx(run.id)]);

  assert.deepEqual([...new Set([...check.checked.keys(), ...jobsCheck.checked.keys(), ...dCheck.checked.keys()])].sort(), tableNames, 'every method of the table was checked');
});
