import { mkdir, writeFile, access } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

import { checkChainId, devChainId, devGenesis, genesisHash, genesisToJson } from '../../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';

import { Keystore } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir, writeIdentityFile } from '../../config/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseFlags } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';
import { addressFromPublicKey, encodeAddress, publicKeyFromSeed, bytesToHex } from '../../../primitives/index.ts';

const usage = 'polchain init [--data-dir DIR] [--chain-id ID] [--dev-accounts N] [--passphrase-file FILE]';

/** Creates a data dir for a one-validator dev network: validator key, genesis, default config. */
export const command: CliCommand = {
  name: 'init', summary: 'create a data dir with a validator key, a dev genesis and a config file', usage,
  async run(argv) {
    const { values } = parseFlags(argv, { 'data-dir': { type: 'string' }, 'chain-id': { type: 'string' }, 'dev-accounts': { type: 'string' }, 'passphrase-file': { type: 'string' } }, usage);
    if (values.help) return (console.log(usage), 0);
    const dir = (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
    const layout = dataDirLayout(dir);
    if (await access(layout.genesis).then(() => true, () => false)) {
      throw new NodeError('DATADIR_EXISTS', `${dir} is already initialised (${layout.genesis} exists); choose another --data-dir or remove it`);
    }
    const devAccounts = values['dev-accounts'] === undefined ? 10 : Number(values['dev-accounts']);
    if (!Number.isInteger(devAccounts) || devAccounts < 0 || devAccounts > 10_000) throw new NodeError('USAGE', '--dev-accounts must be an integer in [0, 10000]');
    const chainId = checkChainId((values['chain-id'] as string | undefined) ?? devChainId(new Uint8Array(randomBytes(4))));
    const passphrase = await getPassphrase(values['passphrase-file'] as string | undefined, 'encrypt the validator key');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const seed = new Uint8Array(randomBytes(32));
    const publicKey = publicKeyFromSeed(seed);
    const address = addressFromPublicKey(publicKey);
    await new Keystore(layout.keys).create(layout.validatorKeyName, seed, passphrase);
    const genesis = devGenesis({ validators: [{ address, consensusKey: publicKey, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: BigInt(Date.now()), devAccounts, chainId });
    await writeFile(layout.genesis, JSON.stringify(genesisToJson(genesis), null, 2) + '\n', { mode: 0o644 });
    await writeFile(layout.config, JSON.stringify({ logLevel: 'info', rpcPort: 8545, blockIntervalMs: 1000 }, null, 2) + '\n');
    // The engine is recorded at the first start: the operator may still choose bft in config.json.
    writeIdentityFile(layout.identity, { version: 1, chainId: genesis.chainId, genesisHash: bytesToHex(genesisHash(genesis)), validator: encodeAddress(address) });
    console.log(JSON.stringify({ dataDir: dir, chainId: genesis.chainId, genesisHash: '0x' + bytesToHex(genesisHash(genesis)), validator: encodeAddress(address) }, null, 2));
    return 0;
  },
};
