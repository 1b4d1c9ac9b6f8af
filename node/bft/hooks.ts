import { type ConsensusHooks, type Validator } from '../../vm/index.ts';
import {
  beaconVerify, decodeCommit, decodeEvidence, validatorSetFromVm, verifyCommit, verifyDuplicateVoteEvidence,
} from '../../consensus/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

/**
 * What the vm cannot check itself (it may not import consensus): the proposer's BLS beacon
 * signature, the +2/3 commit the block carries for its parent, and equivocation evidence.
 * `decidedBy(h)` is the validator list that decided block h.
 */
export function bftHooks(chainId: string, decidedBy: (height: bigint) => readonly Validator[] | undefined): ConsensusHooks {
  return {
    verifyBeacon: (v, cid, height, prev, sig) => beaconVerify(v.blsKey, cid, height, prev, sig),
    verifyLastCommit(height, prevHash, bytes) {
      if (bytes === null) throw new Error(`the block after ${height} carries no commit for it`);
      const vals = decidedBy(height);
      if (!vals) throw new Error(`no validator set known for height ${height}`);
      const blsKeys = new Map(vals.map((v) => [bytesToHex(v.address), v.blsKey]));
      verifyCommit(chainId, validatorSetFromVm(vals, blsKeys), decodeCommit(bytes), { height, blockHash: prevHash });
    },
    evidenceOffender(bytes, state) {
      const e = decodeEvidence(bytes);
      const offender = verifyDuplicateVoteEvidence(chainId, e, (address) => state.getValidator(address)?.consensusKey);
      return { offender, height: e.voteA.height };
    },
  };
}
