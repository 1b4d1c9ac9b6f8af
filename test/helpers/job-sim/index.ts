// In-process proof-of-learning job simulator (docs/jobs.md): the chain (chain.ts), what each party
// does (plans.ts), the solver and its runs (solver-runs.ts, cheats.ts), its payloads (reveal.ts),
// committee replay (committee.ts) and a deterministic chooser for tests (prng.ts).
export { JobSim, SIM_CHAIN, SIM_PARAMS, SIM_BALANCE, SIM_VALIDATOR_STAKE, SIM_WINDOWS, isTerminal, hex, type SimOptions } from './chain.ts';
export { plan, type JobPlan, type Withhold, type MemberBehaviour } from './plans.ts';
export { Solver, produceRun, specOfJob, type SolverRun, type CheckpointRecord, type SimData, type SimAccount } from './solver-runs.ts';
export { strategyHooks, type Strategy } from './cheats.ts';
export { openingsOf, revealOf, expectedDigest } from './reveal.ts';
export { replayAttestation } from './committee.ts';
export { Prng } from './prng.ts';
export { reversedDataset } from '../../../node/solver/index.ts';
