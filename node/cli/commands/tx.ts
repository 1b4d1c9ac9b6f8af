import { encodeTx, signTx, type TxPayload } from '../../../vm/index.ts';
import { devAccountSeed } from '../../../genesis/index.ts';
import { RpcClient } from '../../../rpc/index.ts';
import { Keystore } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseAmount, parseFlags, requireFlag } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { decodeAddress, bytesToHex, encodeAddress, addressFromPublicKey, publicKeyFromSeed, errorMessage } from '../../../primitives/index.ts';

const usage = 'polchain tx transfer --to ADDR --amount N (--from NAME | --dev-account I) [--fee N] [--nonce N] [--rpc URL] [--wait] [--data-dir DIR] [--passphrase-file FILE]';

async function signerSeed(values: Record<string, unknown>): Promise<Uint8Array> {
  if (values['dev-account'] !== undefined) {
    const i = Number(values['dev-account']);
    if (!Number.isInteger(i) || i < 0) throw new NodeError('USAGE', '--dev-account must be a non-negative integer');
    return devAccountSeed(i);
  }
  const name = values.from as string | undefined;
  if (!name) throw new NodeError('USAGE', `one of --from NAME or --dev-account I is required\nusage: ${usage}`);
  const dir = (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
  return new Keystore(dataDirLayout(dir).keys).load(name, await getPassphrase(values['passphrase-file'] as string | undefined, `unlock key "${name}"`));
}

/** Signs locally, submits over JSON-RPC; with --wait, polls until the receipt exists. */
export const command: CliCommand = {
  name: 'tx', summary: 'sign and submit a transaction over JSON-RPC', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      to: { type: 'string' }, amount: { type: 'string' }, fee: { type: 'string' }, nonce: { type: 'string' }, rpc: { type: 'string' },
      from: { type: 'string' }, 'dev-account': { type: 'string' }, wait: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'passphrase-file': { type: 'string' },
    }, usage, true);
    if (values.help) return (console.log(usage), 0);
    if (positionals[0] !== 'transfer' || positionals.length !== 1) throw new NodeError('USAGE', `supported: tx transfer\nusage: ${usage}`);
    let to: Uint8Array;
    try {
      to = decodeAddress(requireFlag(values, 'to', usage));
    } catch (e) {
      if (e instanceof NodeError) throw e;
      throw new NodeError('USAGE', `--to: ${errorMessage(e)}`);
    }
    const amount = parseAmount(requireFlag(values, 'amount', usage), 'amount');
    const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
    const seed = await signerSeed(values);
    const client = new RpcClient((values.rpc as string | undefined) ?? process.env.POLCHAIN_RPC_URL ?? 'http://127.0.0.1:8545/');
    const status = await client.call('node_status', []);
    const payload: TxPayload = { kind: 'transfer', to, amount };
    let nonce: bigint;
    if (values.nonce !== undefined) nonce = parseAmount(values.nonce as string, 'nonce');
    else {
      const acct = await client.call('account_get', [encodeAddress(addressFromPublicKey(publicKeyFromSeed(seed)))]);
      nonce = BigInt(acct.pendingNonce);
    }
    const tx = signTx({ chainId: status.chainId, nonce, fee, payload }, seed);
    const { hash } = await client.call('tx_submit', ['0x' + bytesToHex(encodeTx(tx))]);
    if (!values.wait) {
      console.log(JSON.stringify({ hash, nonce: nonce.toString() }));
      return 0;
    }
    for (let i = 0; i < 600; i++) {
      const receipt = await client.call('tx_getReceipt', [hash]);
      if (receipt) {
        console.log(JSON.stringify(receipt, null, 2));
        return 0;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new NodeError('USAGE', `transaction ${hash} not committed after 60 s`);
  },
};
