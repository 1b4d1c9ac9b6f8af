export { jobSeed, sampleSegments, selectCommittee } from './challenge.ts';
export { attestationDigest, UNAVAILABLE_DIGEST } from './digest.ts';
export { checkJobTerms, disputeTermsFor, jobSpec, jobSteps, sameParamShapes, traceSteps } from './terms.ts';
export { checkTermFloors, floorWork, termFloors, FLOOR_REF, type FloorInputs, type TermFloors } from './floors.ts';
export { judgeJob, type Verdict } from './judge.ts';
export { settleJob } from './settle.ts';
export { tickJobs, allRevealed } from './tick.ts';
export { catchers, expectedDigest, provenWrong, revealedDigestInput, segmentRange, stateShape, batchNeeded, splitPreimage } from './dispute-rules.ts';
export { type Settlement } from './settle.ts';
