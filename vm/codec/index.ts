export { encode, withEncoding, decodeCanonical, type Encodable } from './canonical.ts';
export { Reader, U64_MAX, expectBytes, expectString, expectU32 } from './schema.ts';
export { jobTermsFields, readJobTerms, JOB_TERMS_FIELDS } from './job-terms.ts';
