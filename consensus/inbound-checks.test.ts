// The checks a node runs on a peer's vote or proposal before relaying or persisting it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { checkInboundProposal, checkInboundVote, maxProposalBlockBytes, type InboundView } from './inbound-checks.ts';
import { signVote } from './vote.ts';
import { signProposal } from './proposal.ts';
import { SIM_CHAIN, simBlock, simKey } from './testkit.ts';
import { makeValidatorSet, proposer } from './validator-set.ts';
import { DEFAULT_MAX_ROUNDS_AHEAD } from './app.ts';
import { equalBytes, sha256 } from '../primitives/index.ts';

const keys = [0, 1, 2, 3].map(simKey);
const set = makeValidatorSet(keys.map((k) => ({ address: k.address, consensusKey: k.publicKey, power: 10n })));
const keyOf = (a: Uint8Array) => keys.find((k) => equalBytes(k.address, a))!;
const view: InboundView = { chainId: SIM_CHAIN, height: 5n, round: 1, set, maxBlockBytes: 1000, hashBlock: (b) => sha256(b) };
const vote = (k = keys[1]!, height = 5n, round = 1, chain = SIM_CHAIN) =>
  signVote(chain, { type: 'prevote', height, round, blockHash: null, validator: k.address }, k.seed);
const proposal = (opts: { height?: bigint; round?: number; block?: Uint8Array; by?: (typeof keys)[number] } = {}) => {
  const height = opts.height ?? 5n, round = opts.round ?? 1;
  const by = opts.by ?? keyOf(proposer(set, round).address);
  const block = opts.block ?? simBlock(height, round, by.address, null);
  return signProposal(SIM_CHAIN, { height, round, polRound: -1, blockHash: sha256(block), block, proposer: by.address }, by.seed);
};
const verdict = (r: ReturnType<typeof checkInboundVote>) => (r.verdict === 'accept' ? 'accept' : `${r.verdict} ${r.code}`);

test('a vote signed by a validator of the set, at this height or the next, within the round window, is accepted', () => {
  assert.equal(verdict(checkInboundVote(view, vote())), 'accept');
  assert.equal(verdict(checkInboundVote(view, vote(keys[2], 6n, 0))), 'accept');
  assert.equal(verdict(checkInboundVote(view, vote(keys[2], 5n, 1 + DEFAULT_MAX_ROUNDS_AHEAD))), 'accept');
});

test('a vote with a bad signature, from outside the set, or of another chain is rejected; the next height only ignores a stranger', () => {
  const bad = vote();
  bad.signature[7] ^= 1;
  assert.equal(verdict(checkInboundVote(view, bad)), 'reject VOTE_BAD_SIGNATURE');
  assert.equal(verdict(checkInboundVote(view, vote(keys[1], 5n, 1, 'other-chain'))), 'reject VOTE_BAD_SIGNATURE');
  const forged = { ...vote(simKey(9)), validator: keys[2]!.address };
  assert.equal(verdict(checkInboundVote(view, forged)), 'reject VOTE_BAD_SIGNATURE');
  assert.equal(verdict(checkInboundVote(view, vote(simKey(9)))), 'reject VOTE_UNKNOWN_VALIDATOR');
  // a newcomer of the next height's set cannot be judged yet: not relayed, not blamed
  assert.equal(verdict(checkInboundVote(view, vote(simKey(9), 6n, 0))), 'ignore VOTE_UNKNOWN_VALIDATOR');
  const badNext = vote(keys[1], 6n, 0);
  badNext.signature[0] ^= 1;
  assert.equal(verdict(checkInboundVote(view, badNext)), 'reject VOTE_BAD_SIGNATURE');
});

test('votes outside the height/round window are ignored, however well signed', () => {
  assert.equal(verdict(checkInboundVote(view, vote(keys[1], 4n))), 'ignore VOTE_WRONG_HEIGHT');
  assert.equal(verdict(checkInboundVote(view, vote(keys[1], 7n))), 'ignore VOTE_WRONG_HEIGHT');
  assert.equal(verdict(checkInboundVote(view, vote(keys[1], 1005n))), 'ignore VOTE_WRONG_HEIGHT');
  assert.equal(verdict(checkInboundVote(view, vote(keys[1], 5n, 2 + DEFAULT_MAX_ROUNDS_AHEAD))), 'ignore VOTE_WRONG_ROUND');
  assert.equal(verdict(checkInboundVote(view, vote(keys[1], 6n, 1 + DEFAULT_MAX_ROUNDS_AHEAD))), 'ignore VOTE_WRONG_ROUND');
  assert.equal(verdict(checkInboundVote({ ...view, set: null, height: 0n }, vote(keys[1], 1n, 0))), 'ignore VOTE_WRONG_HEIGHT');
});

test('a proposal from the round\'s proposer with a matching block is accepted; wrong proposer, bad signature or hash is rejected', () => {
  assert.equal(verdict(checkInboundProposal(view, proposal())), 'accept');
  const other = keys.find((k) => !equalBytes(k.address, proposer(set, 1).address))!;
  assert.equal(verdict(checkInboundProposal(view, proposal({ by: other }))), 'reject PROPOSAL_WRONG_PROPOSER');
  const bad = proposal();
  bad.signature[3] ^= 1;
  assert.equal(verdict(checkInboundProposal(view, bad)), 'reject PROPOSAL_BAD_SIGNATURE');
  const p = proposal();
  assert.equal(verdict(checkInboundProposal(view, { ...p, block: simBlock(5n, 9, p.proposer, null) })), 'reject PROPOSAL_BAD_HASH');
  assert.equal(verdict(checkInboundProposal({ ...view, hashBlock: () => { throw new Error('not a block'); } }, p)), 'reject PROPOSAL_BAD_HASH');
  // the next height's proposer order is unknown: any validator's well-signed proposal passes, a stranger's is ignored
  assert.equal(verdict(checkInboundProposal(view, proposal({ height: 6n, round: 0, by: other }))), 'accept');
  assert.equal(verdict(checkInboundProposal(view, proposal({ height: 6n, round: 0, by: simKey(9) }))), 'ignore PROPOSAL_WRONG_PROPOSER');
  assert.equal(verdict(checkInboundProposal(view, proposal({ height: 9n }))), 'ignore PROPOSAL_WRONG_HEIGHT');
});

test('a proposal whose block is larger than any valid block is rejected before its signature or hash is looked at', () => {
  const big = new Uint8Array(1001);
  assert.equal(verdict(checkInboundProposal(view, proposal({ block: big }))), 'reject PROPOSAL_TOO_LARGE');
  assert.equal(verdict(checkInboundProposal(view, proposal({ block: big, height: 6n, round: 0 }))), 'reject PROPOSAL_TOO_LARGE');
  assert.equal(verdict(checkInboundProposal({ ...view, maxBlockBytes: 1001, hashBlock: (b) => sha256(b) }, proposal({ block: big }))), 'accept');
  // the bound leaves room for everything a block carries besides its transactions
  assert.ok(maxProposalBlockBytes({ maxBlockBytes: 1 << 20, maxBlockTxs: 1000 }, 100) >= (1 << 20) + 5 * 1000 + 100 * 1024);
});

test('what a node one height behind relays in good faith is ignored, not rejected: a validator that just left, a proposal out of turn', () => {
  const gone = simKey(7);
  const prevKeys = new Map([...keys, gone].map((k) => [k.address.join(), k.publicKey]));
  const behind: InboundView = { ...view, previousKey: (a) => prevKeys.get(a.join()) };
  assert.equal(verdict(checkInboundVote(behind, vote(gone))), 'ignore VOTE_UNKNOWN_VALIDATOR');
  const forged = { ...vote(simKey(9)), validator: gone.address }; // its address, another key: no honest node relays that
  assert.equal(verdict(checkInboundVote(behind, forged)), 'reject VOTE_UNKNOWN_VALIDATOR');
  assert.equal(verdict(checkInboundVote(behind, vote(simKey(9)))), 'reject VOTE_UNKNOWN_VALIDATOR');
  // without a previous set the same vote is rejected
  assert.equal(verdict(checkInboundVote(view, vote(gone))), 'reject VOTE_UNKNOWN_VALIDATOR');

  const other = keys.find((k) => !equalBytes(k.address, proposer(set, 1).address))!;
  assert.equal(verdict(checkInboundProposal(behind, proposal({ by: other }))), 'ignore PROPOSAL_WRONG_PROPOSER');
  const badSig = proposal({ by: other });
  badSig.signature[1] ^= 1;
  assert.equal(verdict(checkInboundProposal(behind, badSig)), 'reject PROPOSAL_WRONG_PROPOSER');
  assert.equal(verdict(checkInboundProposal(behind, proposal({ by: simKey(9) }))), 'reject PROPOSAL_WRONG_PROPOSER');
});
