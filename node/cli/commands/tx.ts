import { encodeTx, signBlsPop, signTx, type TxPayload } from '../../../vm/index.ts';
import { devAccountSeed } from '../../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';
import { Keystore } from '../../keystore/index.ts';
import { dataDirLayout } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { formatHelp, parseAmount, parseFlags, requireFlag, type Options } from '../args.ts';
import { dataDir, KEYSTORE_FLAGS, RPC_FLAG, rpcClient } from '../wallet-flags.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { decodeAddress, bytesToHex, encodeAddress, addressFromPublicKey, publicKeyFromSeed, errorMessage } from '../../../primitives/index.ts';

const signer = '(--from NAME | --dev-account I) [--fee N] [--nonce N] [--rpc URL] [--wait] [--data-dir DIR] [--passphrase-file FILE]';
const usage = [
  `polchain tx transfer --to ADDR --amount N ${signer}`,
  `polchain tx stake --amount N [--consensus-key NAME] ${signer}`,
  `polchain tx unbond --amount N ${signer}`,
].join('\n       ');
const about = [
  'transfer sends --amount to --to. stake makes the signer a validator (or adds to its stake); the',
  'consensus key and the BLS beacon key derived from it come from --consensus-key NAME or, by default,',
  "from the signing key itself, as `polchain init` sets up a node's validator key. unbond moves stake to",
  "the unbonding queue; it returns to the balance after the chain's unbonding period (`polchain account show`).",
].join('\n');

const flags: Options = {
  to: { type: 'string', arg: 'ADDR', help: 'transfer: the pol1... address that receives --amount' },
  amount: { type: 'string', arg: 'N', help: 'how much to transfer, stake or unbond' },
  'consensus-key': { type: 'string', arg: 'NAME', help: 'stake: the keystore key the validator signs blocks and beacons with (default: the signing key)' },
  from: { type: 'string', arg: 'NAME', help: 'sign with this keystore key' },
  'dev-account': { type: 'string', arg: 'I', help: 'sign with the well-known dev account I (dev networks only)' },
  fee: { type: 'string', arg: 'N', help: 'the fee (default 1)' },
  nonce: { type: 'string', arg: 'N', help: "the account's nonce (default: the next one, counting pending transactions)" },
  wait: { type: 'boolean', help: 'wait until the transaction is in a block and print its receipt' },
  ...RPC_FLAG, ...KEYSTORE_FLAGS,
};

async function keySeed(values: Record<string, unknown>, name: string): Promise<Uint8Array> {
  return new Keystore(dataDirLayout(dataDir(values)).keys).load(name, await getPassphrase(values['passphrase-file'] as string | undefined, `unlock key "${name}"`));
}

async function signerSeed(values: Record<string, unknown>): Promise<Uint8Array> {
  if (values['dev-account'] !== undefined) {
    if (values.from !== undefined) throw new NodeError('USAGE', 'give only one of --from NAME or --dev-account I');
    const i = Number(values['dev-account']);
    if (!Number.isInteger(i) || i < 0) throw new NodeError('USAGE', '--dev-account must be a non-negative integer');
    return devAccountSeed(i);
  }
  const name = values.from as string | undefined;
  if (!name) throw new NodeError('USAGE', `one of --from NAME or --dev-account I is required\nusage: ${usage}`);
  return keySeed(values, name);
}

/** The payload of each subcommand, from its flags (checked before any key is unlocked or RPC made). */
function payloadParts(sub: string, values: Record<string, unknown>): { amount: bigint; to?: Uint8Array } {
  const amount = parseAmount(requireFlag(values, 'amount', usage), 'amount');
  if (sub !== 'transfer') {
    if (values.to !== undefined) throw new NodeError('USAGE', `--to is for tx transfer only\nusage: ${usage}`);
    if (amount === 0n) throw new NodeError('USAGE', `--amount must be positive for tx ${sub}`);
    return { amount };
  }
  if (values['consensus-key'] !== undefined) throw new NodeError('USAGE', `--consensus-key is for tx stake only\nusage: ${usage}`);
  try {
    return { amount, to: decodeAddress(requireFlag(values, 'to', usage)) };
  } catch (e) {
    if (e instanceof NodeError) throw e;
    throw new NodeError('USAGE', `--to: ${errorMessage(e)}`);
  }
}

/** Signs locally, submits over JSON-RPC; with --wait, polls until the receipt exists. */
export const command: CliCommand = {
  name: 'tx', summary: 'sign and submit a transaction (transfer, stake, unbond) over JSON-RPC', usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flags, usage, true);
    if (values.help) return (console.log(formatHelp(usage, flags, about)), 0);
    const sub = positionals[0] ?? '';
    if (!['transfer', 'stake', 'unbond'].includes(sub) || positionals.length !== 1) {
      throw new NodeError('USAGE', `tx needs one of transfer, stake, unbond${sub ? `, not ${JSON.stringify(positionals.join(' '))}` : ''}\nusage: ${usage}`);
    }
    const { amount, to } = payloadParts(sub, values);
    const fee = parseAmount((values.fee as string | undefined) ?? '1', 'fee');
    const nonceFlag = values.nonce === undefined ? undefined : parseAmount(values.nonce as string, 'nonce');
    const seed = await signerSeed(values);
    const consensusName = values['consensus-key'] as string | undefined;
    const consensusSeed = sub === 'stake' && consensusName ? await keySeed(values, consensusName) : seed;
    const client = rpcClient(values);
    const status = await client.call('node_status', []);
    const sender = addressFromPublicKey(publicKeyFromSeed(seed));
    const account = await client.call('account_get', [encodeAddress(sender)]);
    let payload: TxPayload;
    if (sub === 'transfer') payload = { kind: 'transfer', to: to!, amount };
    else if (sub === 'unbond') payload = { kind: 'unbond', amount };
    else {
      // the proof of possession binds the BLS key to this sender on this chain (docs/chain-protocol.md)
      const blsSecret = blsSecretFromSeed(consensusSeed);
      const blsKey = blsPublicKey(blsSecret);
      payload = { kind: 'stake', consensusKey: publicKeyFromSeed(consensusSeed), blsKey, amount, blsPop: signBlsPop(blsSecret, status.chainId, sender, blsKey) };
    }
    // The node would refuse these too (admission runs the block's checks); said here in the
    // wallet's words, before anything is signed.
    if (sub === 'unbond') {
      if (!account.validator) throw new NodeError('NOT_A_VALIDATOR', `${account.address} has no stake to unbond; nothing was sent`);
      if (BigInt(account.validator.stake) < amount) throw new NodeError('UNBOND_EXCEEDS_STAKE', `${account.address} has stake ${account.validator.stake}, less than ${amount}; nothing was sent`);
    }
    const nonce = nonceFlag ?? BigInt(account.pendingNonce);
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
    throw new NodeError('TX_NOT_COMMITTED', `transaction ${hash} not committed after 60 s; check later with tx_getReceipt`);
  },
};
