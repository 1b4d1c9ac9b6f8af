export { SignGuard, SignStep, DoubleSignError, readLastSigned, writeFileDurable, type LastSigned, type SignStepValue } from './last-signed.ts';
