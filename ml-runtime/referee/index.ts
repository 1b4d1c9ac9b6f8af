// Public surface of the dispute referee: the StepReferee (ml-runtime/commitment/referee.ts) that the
// node hands to the vm, running the single disputed training step on the det runtime.
export { createDetReferee, loadDetReferee } from './det-referee.ts';
export { batchFromSamples } from './batch.ts';
