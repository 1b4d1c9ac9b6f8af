import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addressFromPublicKey, sha256, bytesToHex, encodeAddress, encodeTx, publicKeyFromSeed, signTx, verifySmtProof, decodeSmtProof, hexToBytes,
} from '../../../vm/index.ts';
import { devAccount, devGenesis } from '../../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';
import { RpcClient } from '../../../rpc/index.ts';
import { createLogger } from '../../logging.ts';
import { PolchainNode } from '../../node.ts';
import { demoTraining } from '../demo-training.ts';
import { Progress } from '../progress.ts';
import { parseFlags } from '../args.ts';
import { NodeError } from '../../errors.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain demo [--validators N] [--transfers N] [--steps N] [--no-train] [--keep] [--log-level LEVEL]';

const say = (s: string) => process.stdout.write(s + '\n');

/**
 * The README's main command: a local network of validators (BFT over libp2p on 127.0.0.1), each on
 * its own embedded LevelDB in a temp dir, driven only through JSON-RPC the way a wallet and an
 * explorer would; then a training job is trained on det and verified by replay.
 */
export const command: CliCommand = {
  name: 'demo', summary: 'run a local network on a fresh data dir and exercise it end to end', usage,
  async run(argv) {
    const { values } = parseFlags(argv, { transfers: { type: 'string' }, validators: { type: 'string' }, steps: { type: 'string' }, 'no-train': { type: 'boolean' }, keep: { type: 'boolean' }, 'log-level': { type: 'string' } }, usage);
    if (values.help) return (say(usage), 0);
    const n = Number(values.transfers ?? 200);
    const dir = await mkdtemp(join(tmpdir(), 'polchain-demo-'));
    const logger = createLogger((values['log-level'] as string | undefined) ?? 'warn');
    const validators = Number(values.validators ?? 4);
    if (!Number.isInteger(validators) || validators < 1 || validators > 16) throw new NodeError('USAGE', '--validators must be an integer in [1, 16]');
    const seeds = Array.from({ length: validators }, (_, i) => sha256(new TextEncoder().encode(`polchain demo validator ${i}`)));
    const genesis = devGenesis({
      validators: seeds.map((seed) => { const pk = publicKeyFromSeed(seed); return { address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }; }),
      genesisTimeMs: BigInt(Date.now()),
    });
    say(`== polchain demo: ${validators} validator${validators > 1 ? 's' : ''} (${validators > 1 ? 'BFT over libp2p on 127.0.0.1' : 'solo'}), data dirs under ${dir}`);
    const nodes: PolchainNode[] = [];
    const bootstrap: string[] = [];
    for (let i = 0; i < validators; i++) {
      const node = await PolchainNode.start({
        dataDir: join(dir, `node${i}`), genesis, validatorSeed: seeds[i]!, logger: logger.child({ node: i }),
        rpc: { enabled: i === 0, host: '127.0.0.1', port: 0 }, blockIntervalMs: 200, emptyBlocks: true,
        ...(validators > 1 ? { engine: 'bft' as const, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [...bootstrap], keySeed: sha256(seeds[i]!, Uint8Array.of(1)) } } : {}),
      });
      if (i === 0 && node.p2p) bootstrap.push(...node.p2p.multiaddrs().map(String));
      nodes.push(node);
    }
    const node = nodes[0]!;
    try {
      const rpc = new RpcClient(node.rpcUrl!);
      const status = await rpc.call<{ chainId: string; genesisHash: string }>('node_status', []);
      say(`   chain ${status.chainId}, genesis ${status.genesisHash.slice(0, 18)}..., rpc ${node.rpcUrl}`);
      const senders = [0, 1, 2, 3].map(devAccount);
      const to = devAccount(5);
      say(`== submitting ${n} signed transfers from ${senders.length} accounts over JSON-RPC`);
      const hashes: string[] = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const s = senders[i % senders.length]!;
        const tx = signTx({ chainId: status.chainId, nonce: BigInt(Math.floor(i / senders.length)), fee: 1n, payload: { kind: 'transfer', to: to.address, amount: 1000n } }, s.seed);
        hashes.push((await rpc.call<{ hash: string }>('tx_submit', ['0x' + bytesToHex(encodeTx(tx))])).hash);
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
      say(`   ${hashes.length} transfers committed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const acct = await rpc.call<{ balance: string; nonce: string }>('account_get', [encodeAddress(to.address)]);
      say(`   recipient ${encodeAddress(to.address)} balance ${acct.balance} (expected ${1_000_000_000_000n + BigInt(n) * 1000n})`);
      const proof = await rpc.call<{ stateRoot: string; key: string; valueHash: string; proof: never; height: string }>('state_getProof', [encodeAddress(to.address)]);
      const ok = verifySmtProof(hexToBytes(proof.stateRoot.slice(2)), hexToBytes(proof.key.slice(2)), hexToBytes(proof.valueHash.slice(2)), decodeSmtProof(proof.proof));
      say(`   state proof for the recipient at height ${proof.height} verifies against root ${proof.stateRoot.slice(0, 18)}...: ${ok}`);
      const latest = await rpc.call<{ height: string; hash: string; txCount: number }>('chain_getBlock', ['latest']);
      say(`   latest block ${latest.height} ${latest.hash.slice(0, 18)}...`);
      const chainOk = ok && BigInt(acct.balance) === 1_000_000_000_000n + BigInt(n) * 1000n;
      if (values['no-train']) return chainOk ? 0 : 1;
      const ml = await demoTraining(hexToBytes(latest.hash.slice(2)), say, Number(values.steps ?? 200));
      const pass = chainOk && ml.honestPassed && ml.cheatCaught && ml.accuracy >= 0.85;
      say(pass ? '== demo passed: chain committed every transfer, honest training verified, cheating caught' : '== demo FAILED');
      return pass ? 0 : 1;
    } finally {
      await Promise.all(nodes.map((x) => x.stop()));
      if (!values.keep) await rm(dir, { recursive: true, force: true });
    }
  },
};
