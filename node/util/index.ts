export { Progress, formatDuration, formatRate, type ProgressOptions } from './progress.ts';
