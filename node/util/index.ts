// The node's floor: what every other sub-area of node/ may use (node-level errors, logging, progress
// lines, the version string). It imports no other sub-area of node/.
export { NodeError, type NodeErrorCode } from './errors.ts';
export { createLogger, logHex, parseLogLevels, resolveLogFormat, LOG_LEVELS, LOG_FORMATS, LOG_LEVEL_SYNTAX, type Logger, type LogFormat, type LogLevels, type LogOutput } from './logging.ts';
export { Progress, formatDuration, formatRate, type ProgressOptions } from './progress.ts';
export { NODE_VERSION } from './version.ts';
export { sleepUnlessAborted } from './sleep.ts';
export { parseStateJson } from './state-json.ts';
