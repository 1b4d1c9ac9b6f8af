export { ChainState } from './chain-state.ts';
export { StateOverlay, applyChangesToTree, type StateChanges, type StateWrite } from './overlay.ts';
export { createGenesisState, type GenesisAllocation } from './genesis-state.ts';
export * from './encoding.ts';
export { SparseMerkleTree, verifySmtProof, encodeSmtProof, decodeSmtProof } from './smt.ts';
export { beaconAtGenesis, beaconAfter, validatorsHash, BEACON_LENGTH, BEACON_SIGNATURE_LENGTH } from './beacon.ts';
