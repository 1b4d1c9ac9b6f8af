// The double-sign guard: persist before the signature leaves, never sign conflicting data.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { GuardedSigner, type LastSigned } from './signer.ts';
import { SIM_CHAIN, simKey } from './testkit.ts';
import { signVote } from './vote.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const k = simKey(0);
const H = sha256(Uint8Array.of(1));
const refused = (f: () => unknown) => assert.throws(f, (e: any) => e.code === 'DOUBLE_SIGN_REFUSED');

test('persist runs before the signature is returned; a failed persist signs nothing', () => {
  const log: LastSigned[][] = [];
  const s = new GuardedSigner(k.seed, { persist: (h) => log.push(h) });
  const sig = s.signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: H, validator: k.address });
  assert.equal(log.length, 1);
  assert.equal(bytesToHex(log[0]![0]!.signature), bytesToHex(sig));
  assert.equal(bytesToHex(sig), bytesToHex(signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: H, validator: k.address }, k.seed).signature));
  s.signVote(SIM_CHAIN, { type: 'precommit', height: 1n, round: 0, blockHash: H, validator: k.address });
  assert.equal(log[1]!.length, 2, 'history of the height grows');
  s.signVote(SIM_CHAIN, { type: 'prevote', height: 2n, round: 0, blockHash: H, validator: k.address });
  assert.equal(log[2]!.length, 1, 'a new height starts a new history');
  const failing = new GuardedSigner(k.seed, { persist: () => { throw new Error('disk full'); } });
  assert.throws(() => failing.signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 0, blockHash: H, validator: k.address }), /disk full/);
  assert.equal(failing.lastSigned, null);
});

test('refuses conflicting data at a signed step and new data below the last step; identical data gets the stored signature', () => {
  const s = new GuardedSigner(k.seed);
  const pv = s.signVote(SIM_CHAIN, { type: 'prevote', height: 2n, round: 1, blockHash: H, validator: k.address });
  const pc = s.signVote(SIM_CHAIN, { type: 'precommit', height: 2n, round: 1, blockHash: H, validator: k.address });
  refused(() => s.signVote(SIM_CHAIN, { type: 'prevote', height: 2n, round: 1, blockHash: null, validator: k.address }));
  refused(() => s.signVote(SIM_CHAIN, { type: 'precommit', height: 2n, round: 0, blockHash: H, validator: k.address }));
  refused(() => s.signVote(SIM_CHAIN, { type: 'precommit', height: 2n, round: 1, blockHash: null, validator: k.address }));
  refused(() => s.signProposal(SIM_CHAIN, { height: 2n, round: 1, polRound: -1, blockHash: H, block: new Uint8Array(0), proposer: k.address }));
  refused(() => s.signVote(SIM_CHAIN, { type: 'prevote', height: 1n, round: 5, blockHash: H, validator: k.address }));
  // WAL replay: the very same votes again
  assert.equal(bytesToHex(s.signVote(SIM_CHAIN, { type: 'prevote', height: 2n, round: 1, blockHash: H, validator: k.address })), bytesToHex(pv));
  assert.equal(bytesToHex(s.signVote(SIM_CHAIN, { type: 'precommit', height: 2n, round: 1, blockHash: H, validator: k.address })), bytesToHex(pc));
  s.signProposal(SIM_CHAIN, { height: 2n, round: 2, polRound: -1, blockHash: H, block: new Uint8Array(0), proposer: k.address });
  // restart from the persisted history: same answers
  const again = new GuardedSigner(k.seed, { history: s.signedHistory });
  refused(() => again.signVote(SIM_CHAIN, { type: 'precommit', height: 2n, round: 1, blockHash: null, validator: k.address }));
  assert.equal(bytesToHex(again.signVote(SIM_CHAIN, { type: 'precommit', height: 2n, round: 1, blockHash: H, validator: k.address })), bytesToHex(pc));
  again.signVote(SIM_CHAIN, { type: 'prevote', height: 2n, round: 2, blockHash: H, validator: k.address });
});
