export { jobSeed, sampleSegments, selectCommittee } from './challenge.ts';
export { attestationDigest, UNAVAILABLE_DIGEST } from './digest.ts';
export { checkJobTerms, jobSpec, jobSteps, sameParamShapes } from './terms.ts';
export { judgeJob, type Verdict } from './judge.ts';
export { settleJob } from './settle.ts';
export { tickJobs, allRevealed } from './tick.ts';
