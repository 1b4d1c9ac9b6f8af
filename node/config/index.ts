export { resolveConfig, readConfigFile, defaultConfig, settingFlags, exampleConfig, SETTINGS, type NodeConfig } from './config.ts';
export { defaultDataDir, dataDirLayout } from './datadir.ts';
