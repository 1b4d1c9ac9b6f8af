// Sizes of a job's training state, known from the spec alone, so a verifier can bound and check a
// checkpoint before fetching a single chunk. They live in ml-runtime (one definition for the solver,
// the verifier and the chain's referee limits); re-exported for node/ callers, with a child job's
// state_0 from its parent.
export { layoutOfSpec, initialStateFromParent, encodedLengthOf, chunkCountOf } from '../../ml-runtime/index.ts';
