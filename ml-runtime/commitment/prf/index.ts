export { PrfDomain, prfBlock, prfWords, PrfStream, unitFromWord, signedUnitFromWord, epochPermutation, batchIndices, dropoutMask } from './prf.ts';
