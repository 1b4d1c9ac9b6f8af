import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadGenesisFile } from '../../../genesis/index.ts';
import { Keystore, KeystoreError, loadOrCreateP2pKey, p2pKeyPath } from '../../keystore/index.ts';
import { dataDirLayout, defaultDataDir, readConfigFile, resolveConfig, settingFlags, settingSource } from '../../config/index.ts';
import { createLogger, resolveLogFormat, NodeError } from '../../util/index.ts';
import { PolchainNode } from '../../node.ts';
import { DatasetStore } from '../../jobs/index.ts';
import { formatHelp, parseFlags, type Options } from '../args.ts';
import { getPassphrase } from '../passphrase.ts';
import type { CliCommand } from '../command.ts';

const usage = 'polchain start [--data-dir DIR] [--genesis FILE] [--passphrase-file FILE] [--no-validator] [--no-explorer] [--accept-missing-sign-history] [SETTING flags below]';

const flags: Options = {
  'data-dir': { type: 'string', arg: 'DIR', help: 'the data dir made by `polchain init` (default $XDG_DATA_HOME/polchain, else ~/.local/share/polchain)', env: 'POLCHAIN_DATA_DIR' },
  genesis: { type: 'string', arg: 'FILE', help: 'genesis file (default <data-dir>/genesis.json)' },
  'passphrase-file': { type: 'string', arg: 'FILE', help: 'file whose first line unlocks the validator key (else POLCHAIN_PASSPHRASE, else a prompt)', env: 'POLCHAIN_PASSPHRASE (the passphrase itself)' },
  'no-validator': { type: 'boolean', help: 'follow the chain without signing, even when the data dir holds a validator key (also when that key is missing or damaged)' },
  'no-explorer': { type: 'boolean', help: 'do not serve the block explorer page at / and /explorer on the JSON-RPC port (docs/explorer.md)' },
  'accept-missing-sign-history': { type: 'boolean', help: 'start a validator whose sign-history.json is lost (logged at warn; only once the chain is past the height it last signed at)' },
  'log-format': { type: 'string', arg: 'pretty|json', help: 'log lines for people (pretty) or machines (json); default pretty when stderr is a terminal, else json', env: 'POLCHAIN_LOG_FORMAT' },
  ...settingFlags,
  // Test-only fault switches, kept out of the help.
  'test-fault-equivocate': { type: 'boolean', hidden: true },
  'test-fault-partition-ms': { type: 'string', hidden: true },
};

const about = 'Settings resolve as flags > environment > <data-dir>/config.json > defaults; each setting lists its\n'
  + 'environment variable and config.json key (`polchain config example` prints a full config.json).\n'
  + 'A start is refused (one typed error, exit 1) when the data dir was made for another chain or engine, its\n'
  + 'validator key is missing or damaged, its sign history is lost, or its database is damaged or behind what\n'
  + 'it committed; `polchain db check` runs the full storage check.';

/** The validator seed, null when the data dir holds no validator key; a damaged key file is refused before any prompt. */
async function loadValidatorSeed(layout: ReturnType<typeof dataDirLayout>, passphraseFile: string | undefined): Promise<Uint8Array | null> {
  const path = join(layout.keys, `${layout.validatorKeyName}.json`);
  if (!existsSync(path)) return null;
  const ks = new Keystore(layout.keys);
  try {
    await ks.show(layout.validatorKeyName);
    return await ks.load(layout.validatorKeyName, await getPassphrase(passphraseFile, 'unlock the validator key'));
  } catch (e) {
    if (!(e instanceof KeystoreError)) throw e;
    const where = e.message.includes(path) ? e.message : `${path}: ${e.message}`;
    if (e.code === 'KEYSTORE_BAD_PASSPHRASE') throw new KeystoreError(e.code, where);
    throw new NodeError('VALIDATOR_KEY_UNLOADABLE', `the validator key cannot be loaded: ${where}; restore it (\`polchain keys import ${layout.validatorKeyName} --keystore FILE\` or --mnemonic) or start with --no-validator to follow the chain without signing`);
  }
}

export const command: CliCommand = {
  name: 'start', summary: 'run a node (and produce blocks when this data dir holds a validator key)', usage,
  async run(argv) {
    const { values } = parseFlags(argv, flags, usage);
    if (values.help) return (console.log(formatHelp(usage, flags, `${command.summary}.\n${about}`)), 0);
    const dir = (values['data-dir'] as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
    const layout = dataDirLayout(dir);
    const configFile = await readConfigFile(layout.config);
    const config = resolveConfig(values, process.env, configFile, layout.config);
    const logger = createLogger(config.logLevel, 'polchain', { format: resolveLogFormat(values['log-format'] as string | undefined) });
    if (values.genesis === undefined && !existsSync(layout.genesis)) {
      throw new NodeError('DATADIR_MISSING', `${dir} holds no node (no genesis.json); run \`polchain init --data-dir ${dir}\` first, or pass --genesis FILE`);
    }
    const genesis = await loadGenesisFile((values.genesis as string | undefined) ?? layout.genesis);
    const seed = values['no-validator'] ? null : await loadValidatorSeed(layout, values['passphrase-file'] as string | undefined);
    // Signals are handled from before startup: a SIGTERM that arrives while the node is still
    // opening its database must still end in a clean stop. A second signal exits at once.
    const stopRequested = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ signal: sig }, 'shutting down');
      stopRequested.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A node that has committed blocks before had a peer id that peers may bootstrap from: a new one is
    // worth a warning, not silence (a first start creates the key without a word).
    if (config.engine === 'bft' && !existsSync(p2pKeyPath(dir)) && existsSync(layout.headMarker)) {
      logger.warn({ file: p2pKeyPath(dir) }, 'p2p.key was missing: this node starts with a new libp2p peer id; peers that bootstrap from the old /p2p/<id> address must be given the new one (logged as "p2p listening")');
    }
    const node = await PolchainNode.start({
      dataDir: dir, genesis, validatorSeed: seed, logger,
      rpc: { enabled: config.rpcEnabled, host: config.rpcHost, port: config.rpcPort, bodyLimit: config.rpcBodyLimit, maxBatch: config.rpcMaxBatch, corsOrigins: config.rpcCors.split(',').filter(Boolean), explorer: values['no-explorer'] !== true },
      blockIntervalMs: config.blockIntervalMs, emptyBlocks: config.emptyBlocks,
      mempool: { maxTxs: config.mempoolMaxTxs, maxBytes: config.mempoolMaxBytes, ttlBlocks: BigInt(config.mempoolTtlBlocks) },
      engine: config.engine as 'solo' | 'bft',
      engineSource: settingSource('engine', values, process.env, configFile, existsSync(layout.config)),
      noValidator: values['no-validator'] === true, acceptMissingSignHistory: values['accept-missing-sign-history'] === true,
      // Test-only fault switch (undocumented in --help): makes this validator double-sign prevotes.
      faults: { equivocate: values['test-fault-equivocate'] === true },
      // a solo validator listens only when it has users' datasets to serve (docs/datasets.md); otherwise it only dials out
      p2p: config.engine === 'bft' ? { listen: [config.p2pListen], bootstrap: config.bootstrap.split(',').filter(Boolean), keySeed: await loadOrCreateP2pKey(dir) }
        : seed && new DatasetStore(layout.datasets).list().length > 0 ? { listen: [config.p2pListen], bootstrap: [], keySeed: await loadOrCreateP2pKey(dir) } : undefined,
    });
    // Test-only fault switch: with --test-fault-partition-ms N, SIGUSR2 cuts this node off from every
    // peer (both directions) for N ms, as a network partition would; it then reconnects and catches up.
    const partitionMs = Number(values['test-fault-partition-ms'] ?? 0);
    const onPartition = () => {
      for (const p of node.p2p?.peers() ?? []) node.p2p!.ban(p.peerId, partitionMs, 'test partition');
      logger.warn({ ms: partitionMs }, 'test fault: partitioned from all peers');
    };
    if (partitionMs > 0) process.on('SIGUSR2', onPartition);
    if (!stopRequested.signal.aborted) await new Promise((resolve) => stopRequested.signal.addEventListener('abort', resolve, { once: true }));
    await node.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return 0;
  },
};
