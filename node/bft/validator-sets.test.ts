// The proposer-priority walk: equal to stepping from genesis while membership is fixed, one
// update-then-step on a change, and a restart from the priorities stored with the last block
// (real LevelDB) resumes exactly where a node that never stopped is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBlock, type ChainState, type Validator } from '../../vm/index.ts';
import { advanceHeight, makeValidatorSet, updateValidatorSet, validatorSetAtHeight, type ValidatorSet } from '../../consensus/index.ts';
import { devGenesis } from '../../genesis/index.ts';
import { ChainStore } from '../storage/index.ts';
import { val, alice, bob, beaconSigFor } from '../../test/helpers/chain-fixtures.ts';
import { ValidatorSets } from './validator-sets.ts';
import { bytesToHex } from '../../primitives/index.ts';

const v = (fill: number, stake: bigint): Validator => ({
  address: new Uint8Array(20).fill(fill), consensusKey: new Uint8Array(32).fill(fill), blsKey: new Uint8Array(48).fill(fill), stake,
});
// forNextHeight reads only the height and the active validators of a state
const at = (height: bigint, vals: Validator[]) => ({ height, validatorList: () => vals }) as unknown as ChainState;
const prios = (s: ValidatorSet) => s.validators.map((x) => x.priority);
const members = (vals: Validator[]) => vals.map((x) => ({ address: x.address, consensusKey: x.consensusKey, blsKey: x.blsKey, power: x.stake }));

test('fixed membership: the walk equals stepping the genesis set height - 1 times', () => {
  const vals = [v(1, 10n), v(2, 20n), v(3, 35n)];
  const sets = new ValidatorSets();
  for (let h = 0n; h < 200n; h++) {
    const got = sets.forNextHeight(at(h, vals));
    assert.deepEqual(prios(got), prios(validatorSetAtHeight(makeValidatorSet(members(vals)), h + 1n)), `height ${h + 1n}`);
    assert.equal(sets.forNextHeight(at(h, vals)), got, 'asking twice for a height does not step again');
  }
});

test('a membership change is one update and one step from the previous height, not a recomputation from height 1', () => {
  const before = [v(1, 10n), v(2, 20n), v(3, 35n)];
  const after = [v(1, 10n), v(2, 20n), v(3, 35n), v(4, 50n)];
  const sets = new ValidatorSets();
  let prev!: ValidatorSet;
  for (let h = 0n; h < 1000n; h++) prev = sets.forNextHeight(at(h, before));
  const next = sets.forNextHeight(at(1000n, after));
  assert.deepEqual(prios(next), prios(advanceHeight(updateValidatorSet(prev, members(after)))));
  assert.notDeepEqual(prios(next), prios(validatorSetAtHeight(makeValidatorSet(members(after)), 1001n)), 'the old rule gives other priorities');
  // the newcomer starts behind every member that stayed
  const updated = updateValidatorSet(prev, members(after)).validators;
  const newcomer = updated.find((x) => x.address[0] === 4)!;
  assert.ok(updated.every((x) => x === newcomer || x.priority > newcomer.priority));
  // a power change counts as a change too
  const powered = [v(1, 10n), v(2, 25n), v(3, 35n), v(4, 50n)];
  assert.deepEqual(prios(sets.forNextHeight(at(1001n, powered))), prios(advanceHeight(updateValidatorSet(next, members(powered)))));
});

test('the priorities stored with each block let a restarted node resume the walk exactly (LevelDB round trip)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-prio-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = devGenesis({ validators: [val, alice, bob].map((a) => ({ address: a.address, consensusKey: a.publicKey, blsKey: a.blsKey })), genesisTimeMs: 1_000n, devAccounts: 0 });
  let store = await ChainStore.open(dir);
  let state = await store.initState(genesis);
  const live = new ValidatorSets();
  for (let h = 1n; h <= 2n; h++) {
    const deciding = live.forNextHeight(state);
    const r = buildBlock(state, { height: h, timestampMs: 1_000n + h * 1000n, proposer: val.address, beaconSig: beaconSigFor(val, state) }, []);
    const decidedBy = state.validatorList();
    await store.commit(state, r, { height: h, blockHash: r.hash, signatures: [] }, { commit: new Uint8Array(0), decidedBy, priorities: live.prioritiesAt(h) });
    assert.deepEqual(prios(deciding), live.prioritiesAt(h)!.map((p) => p.priority));
    live.forNextHeight(state);
  }
  // a validator set whose priorities are not all zero any more
  assert.ok(live.prioritiesAt(3n)!.some((p) => p.priority !== 0n));
  await store.close();

  store = await ChainStore.open(dir);
  t.after(() => store.close());
  state = await store.initState(genesis);
  assert.equal(await store.getProposerPriorities(1n), undefined, 'only the latest block\'s priorities are kept');
  const stored = (await store.getProposerPriorities(2n))!;
  const restarted = new ValidatorSets();
  assert.equal(restarted.restore(2n, (await store.getDecidedBy(2n))!, stored), true);
  const a = restarted.forNextHeight(state);
  const b = live.forNextHeight(state);
  assert.deepEqual(prios(a), prios(b));
  assert.deepEqual(a.validators.map((x) => bytesToHex(x.address)), b.validators.map((x) => bytesToHex(x.address)));
  // a stored set that misses a member's priority is refused (the caller falls back)
  const partial = new Map([...stored].slice(1));
  assert.equal(new ValidatorSets().restore(2n, (await store.getDecidedBy(2n))!, partial), false);
});
