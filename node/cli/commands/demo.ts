import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTx, JOB_FLOORS, signTx, verifySmtProof, decodeSmtProof } from '../../../vm/index.ts';
import { devAccount, devGenesis } from '../../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';
import { RpcClient } from '../../../rpc/index.ts';
import { createLogger, Progress, NodeError } from '../../util/index.ts';
import { PolchainNode } from '../../node.ts';
import { demoJobs, demoStepsProblem, DEMO_DEFAULT_STEPS } from '../demo-jobs.ts';
import { parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { addressFromPublicKey, sha256, bytesToHex, encodeAddress, publicKeyFromSeed, hexToBytes } from '../../../primitives/index.ts';

const usage = 'polchain demo [--validators N] [--transfers N] [--steps T] [--no-train] [--keep] [--log-level LEVEL]\n'
  + '  --steps T    training steps of each proof-of-learning job (default 400)\n'
  + '  --no-train   only the chain part (transfers and a state proof), no jobs\n'
  + '  --keep       keep the data dirs (nodes, solver artifacts, spec file) instead of removing them';

const say = (s: string) => process.stdout.write(s + '\n');

/**
 * The README's main command: a local network of validators (BFT over libp2p on 127.0.0.1), each on
 * its own embedded LevelDB in a temp dir, driven only through JSON-RPC the way a wallet and an
 * explorer would; then two proof-of-learning jobs run on chain (demo-jobs.ts): one trained honestly
 * and paid after the validators' committee replayed it, one faked and slashed.
 */
export const command: CliCommand = {
  name: 'demo', summary: 'run a local network on a fresh data dir and exercise it end to end', usage,
  async run(argv) {
    const { values } = parseFlags(argv, { transfers: { type: 'string' }, validators: { type: 'string' }, steps: { type: 'string' }, 'no-train': { type: 'boolean' }, keep: { type: 'boolean' }, 'log-level': { type: 'string' } }, usage);
    if (values.help) return (say(usage), 0);
    const n = Number(values.transfers ?? 200);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new NodeError('USAGE', `--transfers must be an integer in [1, 100000]\nusage: ${usage}`);
    const validators = Number(values.validators ?? 4);
    if (!Number.isInteger(validators) || validators < 1 || validators > 16) throw new NodeError('USAGE', `--validators must be an integer in [1, 16]\nusage: ${usage}`);
    const steps = Number(values.steps ?? DEMO_DEFAULT_STEPS);
    const stepsProblem = demoStepsProblem(steps);
    if (stepsProblem) throw new NodeError('USAGE', `${stepsProblem}\nusage: ${usage}`);
    const logger = createLogger((values['log-level'] as string | undefined) ?? 'warn');
    const t0 = performance.now();
    const dir = await mkdtemp(join(tmpdir(), 'polchain-demo-'));
    const seeds = Array.from({ length: validators }, (_, i) => sha256(new TextEncoder().encode(`polchain demo validator ${i}`)));
    const genesis = devGenesis({
      validators: seeds.map((seed) => { const pk = publicKeyFromSeed(seed); return { address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }; }),
      genesisTimeMs: BigInt(Date.now()),
    });
    const names = new Map(seeds.map((seed, i) => [encodeAddress(addressFromPublicKey(publicKeyFromSeed(seed))), `validator ${i}`] as const));
    say(`== polchain demo: ${validators} validator${validators > 1 ? 's' : ''} (BFT over libp2p on 127.0.0.1, each also a proof-of-learning verifier), data dirs under ${dir}${values.keep ? ' (kept: --keep)' : ''}`);
    const nodes: PolchainNode[] = [];
    let rpc: RpcClient | undefined;
    try {
      const bootstrap: string[] = [];
      for (let i = 0; i < validators; i++) {
        // every validator runs BFT, so each has a libp2p host and with it the committee's VerifierService (node.ts)
        const node = await PolchainNode.start({
          dataDir: join(dir, `node${i}`), genesis, validatorSeed: seeds[i]!, logger: logger.child({ node: i }),
          rpc: { enabled: i === 0, host: '127.0.0.1', port: 0 }, blockIntervalMs: 200, emptyBlocks: true,
          engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [...bootstrap], keySeed: sha256(seeds[i]!, Uint8Array.of(1)) },
        });
        if (i === 0 && node.p2p) bootstrap.push(...node.p2p.multiaddrs().map(String));
        nodes.push(node);
      }
      const node = nodes[0]!;
      rpc = new RpcClient(node.rpcUrl!);
      const status = await rpc.call('node_status', []);
      say(`   chain ${status.chainId}, genesis ${status.genesisHash.slice(0, 18)}..., rpc ${node.rpcUrl}`);
      const senders = [0, 1, 2, 3].map(devAccount);
      const to = devAccount(5);
      say(`== submitting ${n} signed transfers from ${senders.length} accounts over JSON-RPC`);
      const hashes: string[] = [];
      const t1 = performance.now();
      for (let i = 0; i < n; i++) {
        const s = senders[i % senders.length]!;
        const tx = signTx({ chainId: status.chainId, nonce: BigInt(Math.floor(i / senders.length)), fee: 1n, payload: { kind: 'transfer', to: to.address, amount: 1000n } }, s.seed);
        hashes.push((await rpc.call('tx_submit', ['0x' + bytesToHex(encodeTx(tx))])).hash);
      }
      let done = 0;
      const bar = new Progress({ total: hashes.length, label: '   committed', unit: 'tx' });
      while (done < hashes.length) {
        const receipts = await rpc.batch(hashes.slice(done, done + 100).map((h) => ({ method: 'tx_getReceipt', params: [h] })));
        const got = receipts.findIndex((r) => !('result' in r) || r.result === null);
        done += got === -1 ? receipts.length : got;
        bar.update(done);
        if (got !== -1) await new Promise((r) => setTimeout(r, 100));
      }
      bar.finish();
      say(`   ${hashes.length} transfers committed in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      const acct = await rpc.call('account_get', [encodeAddress(to.address)]);
      say(`   recipient ${encodeAddress(to.address)} balance ${acct.balance} (expected ${1_000_000_000_000n + BigInt(n) * 1000n})`);
      const proof = await rpc.call('state_getProof', [encodeAddress(to.address)]);
      const ok = verifySmtProof(hexToBytes(proof.stateRoot.slice(2)), hexToBytes(proof.key.slice(2)), hexToBytes(proof.valueHash!.slice(2)), decodeSmtProof(proof.proof));
      say(`   state proof for the recipient at height ${proof.height} verifies against root ${proof.stateRoot.slice(0, 18)}...: ${ok}`);
      const latest = await rpc.call('chain_getBlock', ['latest']);
      say(`   latest block ${latest.height} ${latest.hash.slice(0, 18)}...`);
      const chainOk = ok && BigInt(acct.balance) === 1_000_000_000_000n + BigInt(n) * 1000n;
      const took = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
      if (values['no-train']) {
        say(chainOk ? `== demo passed (chain only, --no-train): every transfer committed, state proof verified (${took()})` : '== demo FAILED: the chain part did not check out');
        return chainOk ? 0 : 1;
      }

      const jobs = await demoJobs({ rpcUrl: node.rpcUrl!, dir, steps, committee: JOB_FLOORS.minCommitteeSize, names, logger, say });
      const h = jobs.honest;
      const c = jobs.cheat;
      const problems: string[] = [];
      if (!chainOk) problems.push('the transfers or the state proof did not check out');
      if (!h || h.status !== 'finalized' || h.outcome !== 'paid') problems.push(`the honest job ended ${h ? `${h.status} (${h.outcome})` : 'nowhere'}, not finalized (paid)`);
      // honest validators all replay: the matching digests must hold the quorum's 2/3 of the seats (docs/committee.md §5)
      else if (3 * h.matchedSeats < 2 * h.seats) problems.push(`the matching attestations on the honest job hold only ${h.matchedSeats} of ${h.seats} seats`);
      if (h && !h.solverBalanceOk) problems.push('the honest solver was not paid the bounty');
      if (!c || c.status !== 'slashed' || c.outcome !== 'mismatch') problems.push(`the cheating job ended ${c ? `${c.status} (${c.outcome})` : 'nowhere'}, not slashed (mismatch)`);
      if (c && !c.submitterBalanceOk) problems.push('the bounty of the cheating job did not go back to the submitter');
      if (c && !c.solverBalanceOk) problems.push('the cheating solver did not lose its bond');
      if (problems.length) {
        say(`== demo FAILED: ${problems.join('; ')}`);
        return 1;
      }
      const acc = jobs.accuracy ? `, ${(jobs.accuracy.final * 100).toFixed(1)}% test accuracy` : '';
      say(`== demo passed: ${n} transfers committed and proven; honest MNIST job finalized and paid on ${h!.matched} of ${h!.committee} matching replays (${h!.matchedSeats} of ${h!.seats} seats)${acc}; `
        + `cheating solver slashed (${c!.differed} of ${c!.committee} replays disagreed, ${c!.differedSeats} of ${c!.seats} seats), bounty refunded (${took()})`);
      return 0;
    } finally {
      await rpc?.close();
      await Promise.all(nodes.map((x) => x.stop()));
      if (!values.keep) await rm(dir, { recursive: true, force: true });
    }
  },
};
