export { encode, decodeCanonical, type Encodable } from './canonical.ts';
export { Reader, U64_MAX } from './schema.ts';
