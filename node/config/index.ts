export { resolveConfig, readConfigFile, defaultConfig, settingFlags, SETTINGS, type NodeConfig } from './config.ts';
export { defaultDataDir, dataDirLayout } from './datadir.ts';
