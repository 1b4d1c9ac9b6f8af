import { encodeTx, signTx, type TxPayload } from '../../../vm/index.ts';
import { devAccountSeed } from '../../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';
import { RpcClient } from '../../../rpc/index.ts';
import { Keystore } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseAmount, parseFlags, requireFlag } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { decodeAddress, bytesToHex, hexToBytes, encodeAddress, addressFromPublicKey, publicKeyFromSeed, errorMessage } from '../../../primitives/index.ts';

const SIGNER = '(--from NAME | --dev-account I) [--fee N] [--nonce N] [--rpc URL] [--wait] [--data-dir DIR] [--passphrase-file FILE]';
const usage = [
  `polchain tx transfer --to ADDR --amount N ${SIGNER}`,
  `       polchain tx stake --amount N [--consensus-key HEX32 --bls-key HEX48] ${SIGNER}`,
  `       polchain tx unbond --amount N ${SIGNER}`,
].join('\n');
const KINDS = ['transfer', 'stake', 'unbond'] as const;
type Kind = (typeof KINDS)[number];

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

function hexFlag(values: Record<string, unknown>, name: string, bytes: number): Uint8Array | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const s = String(v).replace(/^0x/, '');
  if (!/^[0-9a-fA-F]*$/.test(s) || s.length !== bytes * 2) throw new NodeError('USAGE', `--${name} must be ${bytes} bytes of hex, got ${JSON.stringify(v)}\nusage: ${usage}`);
  return hexToBytes(s);
}

/**
 * The stake payload: by default the validator keys derive from the signing account's seed (as
 * `polchain init` derives a node's), or stay the keys the account already validates with, so adding
 * stake never trips STAKE_KEY_MISMATCH; --consensus-key/--bls-key name a node's keys explicitly.
 */
function stakePayload(keys: { ck?: Uint8Array; bk?: Uint8Array }, seed: Uint8Array, amount: bigint, current: { consensusKey: string; blsKey: string } | null): TxPayload {
  const { ck, bk } = keys;
  if (ck && bk) return { kind: 'stake', consensusKey: ck, blsKey: bk, amount };
  if (current) return { kind: 'stake', consensusKey: hexToBytes(current.consensusKey.slice(2)), blsKey: hexToBytes(current.blsKey.slice(2)), amount };
  return { kind: 'stake', consensusKey: publicKeyFromSeed(seed), blsKey: blsPublicKey(blsSecretFromSeed(seed)), amount };
}

/** Signs locally, submits over JSON-RPC; with --wait, polls until the receipt exists. */
export const command: CliCommand = {
  name: 'tx', summary: 'sign and submit a transaction over JSON-RPC (transfer, stake, unbond)', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      to: { type: 'string' }, amount: { type: 'string' }, fee: { type: 'string' }, nonce: { type: 'string' }, rpc: { type: 'string' },
      from: { type: 'string' }, 'dev-account': { type: 'string' }, wait: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'passphrase-file': { type: 'string' },
      'consensus-key': { type: 'string' }, 'bls-key': { type: 'string' },
    }, usage, true);
    if (values.help) return (console.log(usage), 0);
    const kind = positionals[0] as Kind;
    if (positionals.length !== 1 || !KINDS.includes(kind)) throw new NodeError('USAGE', `tx needs one of ${KINDS.join(', ')}\nusage: ${usage}`);
    let to: Uint8Array | undefined;
    if (kind === 'transfer') {
      try {
        to = decodeAddress(requireFlag(values, 'to', usage));
      } catch (e) {
        if (e instanceof NodeError) throw e;
        throw new NodeError('USAGE', `--to: ${errorMessage(e)}`);
      }
    } else if (values.to !== undefined) throw new NodeError('USAGE', `--to is for tx transfer\nusage: ${usage}`);
    if (kind !== 'stake' && (values['consensus-key'] !== undefined || values['bls-key'] !== undefined)) throw new NodeError('USAGE', `--consensus-key and --bls-key are for tx stake\nusage: ${usage}`);
    const keys = { ck: hexFlag(values, 'consensus-key', 32), bk: hexFlag(values, 'bls-key', 48) };
    if ((keys.ck === undefined) !== (keys.bk === undefined)) throw new NodeError('USAGE', `--consensus-key and --bls-key go together\nusage: ${usage}`);
    const amount = parseAmount(requireFlag(values, 'amount', usage), 'amount');
    if (amount === 0n) throw new NodeError('USAGE', `--amount must be positive\nusage: ${usage}`);
    const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
    const seed = await signerSeed(values);
    const client = new RpcClient((values.rpc as string | undefined) ?? process.env.POLCHAIN_RPC_URL ?? 'http://127.0.0.1:8545/');
    const status = await client.call('node_status', []);
    const acct = await client.call('account_get', [encodeAddress(addressFromPublicKey(publicKeyFromSeed(seed)))]);
    const payload: TxPayload = kind === 'transfer' ? { kind, to: to!, amount }
      : kind === 'unbond' ? { kind, amount }
        : stakePayload(keys, seed, amount, acct.validator);
    const nonce = values.nonce !== undefined ? parseAmount(values.nonce as string, 'nonce') : BigInt(acct.pendingNonce);
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
    throw new NodeError('TX_NOT_COMMITTED', `transaction ${hash} not committed after 60 s; check it later with the hash`);
  },
};
