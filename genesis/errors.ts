import { CodedError } from '../primitives/index.ts';
export type GenesisErrorCode = 'GENESIS_UNREADABLE' | 'GENESIS_NOT_JSON' | 'GENESIS_INVALID' | 'GENESIS_MISMATCH';

/** A genesis file problem, with the JSON path of the offending field in the message. */
export class GenesisError extends CodedError<GenesisErrorCode> {}
