export { resolveConfig, readConfigFile, defaultConfig, settingFlags, exampleConfig, SETTINGS, settingSource, type NodeConfig } from './config.ts';
export { defaultDataDir, dataDirLayout } from './datadir.ts';
export { identityPath, parseIdentity, readIdentityFile, writeIdentityFile, identityJson, checkIdentity, type DataDirIdentity, type StartIdentity } from './identity.ts';
