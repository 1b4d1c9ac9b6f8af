export { jobSeed, sampleSegments, segmentTotal, selectCommittee } from './challenge.ts';
export { attestationDigest, UNAVAILABLE_DIGEST } from './digest.ts';
export { checkJobTerms, jobSpec, jobSteps, sameParamShapes } from './terms.ts';
export { checkpointCount, checkpointStep, checkpointLeafBytes, requiredOpenings, requiredRanges, type TraceRange } from './schedule.ts';
export { judgeJob, type Verdict } from './judge.ts';
export { settleJob } from './settle.ts';
export { tickJobs, allRevealed } from './tick.ts';
