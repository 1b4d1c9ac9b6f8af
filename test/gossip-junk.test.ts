// A peer of the test's own publishes junk consensus messages to one of four validators (real libp2p
// over TCP, real signatures). The junk must not be relayed to a third node, must not reach the
// validators' WAL, must cost the peer its score and its connection, and the chain keeps committing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { startBftNet, validatorSeed, waitFor } from './helpers/bft-net.ts';
import { createP2pHost, type P2pHost } from '../node/p2p/index.ts';
import {
  encodeProposal, encodeVote, makeValidatorSet, proposer, signProposal, signVote, validatorSetAtHeight,
} from '../consensus/index.ts';
import { blockHash, encodeBlock } from '../vm/index.ts';
import { addressFromPublicKey, bytesToHex, equalBytes, publicKeyFromSeed, sha256 } from '../primitives/index.ts';

const KiB = 1024;
const hex = (b: Uint8Array) => bytesToHex(sha256(b));

test('junk votes and proposals from a peer are not relayed, not written to the WAL, and get the peer banned; the chain keeps committing', { timeout: 180_000 }, async (t) => {
  // a small maxBlockBytes, so that a proposal can be larger than any valid block and still fit a gossip message
  const net = await startBftNet(4, { blockIntervalMs: 300, params: { maxBlockBytes: 128 * KiB } });
  const hosts: P2pHost[] = [];
  t.after(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await net.stop();
  });
  const [v0] = net.nodes;
  const chainId = net.genesis.chainId;
  await waitFor(() => net.nodes.every((x) => x.state.height >= 3n), 60_000, 'height 3 on every node');

  // The observer (a third node) hears the validators' gossip; the junk peer is connected to validator 0 only.
  const observer = await createP2pHost({ chainId, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 200 });
  const junk = await createP2pHost({ chainId, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 200 });
  hosts.push(observer, junk);
  const heard = new Set<string>();
  for (const topic of ['vote', 'proposal'] as const) observer.onMessage(topic, (data) => { heard.add(hex(data)); return 'ignore'; });
  for (const x of net.nodes) await observer.dial(x.p2p!.multiaddrs()[0]!);
  await junk.dial(v0!.p2p!.multiaddrs()[0]!);
  const v0Id = v0!.p2p!.peerId;
  await waitFor(() => ['vote', 'proposal'].every((tp) => junk.topicPeers(tp as 'vote').includes(v0Id)), 20_000, 'validator 0 subscribed, as seen by the junk peer');
  await waitFor(() => observer.meshPeers('vote').length > 0, 20_000, 'the observer in the vote mesh');

  const sent = new Map<string, string>(); // message digest -> kind of junk
  const publish = async (topic: 'vote' | 'proposal', bytes: Uint8Array, kind?: string) => {
    if (kind) sent.set(hex(bytes), kind);
    await junk.publish(topic, bytes).catch(() => 0);
    return hex(bytes);
  };
  // A well-signed vote no honest validator sends (a nil prevote of validator 3 for a round the test never
  // reaches, too little power to move anyone): it must be relayed, which shows the path junk -> validator 0 -> observer works.
  let controlRound = 40;
  const control = async (what: string) => {
    await waitFor(async () => {
      const v = signVote(chainId, { type: 'prevote', height: v0!.state.height + 1n, round: controlRound++, blockHash: null, validator: addressOf(3) }, validatorSeed(3));
      const d = await publish('vote', encodeVote(v));
      await new Promise((r) => setTimeout(r, 300));
      return heard.has(d);
    }, 20_000, `a valid vote relayed to the observer (${what})`);
  };
  await control('before the junk');

  // The WAL of every validator, sampled while the junk flows: any junk bytes in it, and its largest size.
  const wals = net.dirs.slice(0, 4).map((d) => join(d, 'cs.wal'));
  const inWal = new Set<string>();
  let walMax = 0;
  const junkBytes: Uint8Array[] = [];
  const sample = setInterval(() => {
    for (const w of wals) {
      let buf: Buffer;
      try { buf = readFileSync(w); walMax = Math.max(walMax, statSync(w).size); } catch { continue; }
      for (const j of junkBytes) if (buf.indexOf(j) >= 0) inWal.add(sent.get(hex(j))!);
    }
  }, 20);
  t.after(() => clearInterval(sample));

  const startHeight = v0!.state.height;
  const stranger = sha256(new TextEncoder().encode('not a validator'));
  const members = makeValidatorSet(net.genesis.validators.map((v) => ({ address: v.address, consensusKey: v.consensusKey, power: v.stake })));
  const head = (await v0!.store.getBlock(v0!.state.height))!;
  for (let i = 0; i < 12 && !v0!.p2p!.isBanned(junk.peerId); i++) {
    const h = v0!.state.height + 1n; // the height validator 0 is deciding (or the next, while it waits after a commit)
    const junkOf = async (topic: 'vote' | 'proposal', bytes: Uint8Array, kind: string) => {
      junkBytes.push(bytes);
      await publish(topic, bytes, kind);
    };
    // 1. a validator's vote with a broken signature
    const bad = signVote(chainId, { type: 'prevote', height: h, round: 0, blockHash: sha256(Uint8Array.of(i)), validator: addressOf(1) }, validatorSeed(1));
    bad.signature[9] ^= 1;
    await junkOf('vote', encodeVote(bad), 'bad signature');
    // 2. a well-signed vote from a key outside the validator set
    const unknown = signVote(chainId, { type: 'prevote', height: h, round: 0, blockHash: sha256(Uint8Array.of(i, 1)), validator: addressFromPublicKey(publicKeyFromSeed(stranger)) }, stranger);
    await junkOf('vote', encodeVote(unknown), 'unknown validator');
    // 3. a validator's well-signed vote for a height far ahead
    const far = signVote(chainId, { type: 'precommit', height: h + 1000n, round: i, blockHash: null, validator: addressOf(2) }, validatorSeed(2));
    await junkOf('vote', encodeVote(far), 'far height');
    // 4. a proposal signed by the round's true proposer whose block is larger than any valid block can be
    const prop = proposer(validatorSetAtHeight(members, h), 0);
    const header = { ...head.header, height: h, proposer: prop.address };
    const block = encodeBlock({ ...head, header, txs: [new Uint8Array(600 * KiB).fill(i)] }); // hashes as its header does
    const seed = validatorSeed(net.genesis.validators.findIndex((v) => equalBytes(v.address, prop.address)));
    const big = signProposal(chainId, { height: h, round: 0, polRound: -1, blockHash: blockHash(header), block, proposer: prop.address }, seed);
    await junkOf('proposal', encodeProposal(big), 'oversized proposal');
    await new Promise((r) => setTimeout(r, 100));
  }

  // the junk peer is banned by validator 0 and hung up on
  await waitFor(() => v0!.p2p!.isBanned(junk.peerId), 30_000, 'the junk peer banned by validator 0');
  assert.ok(v0!.p2p!.score(junk.peerId) < -50, `score ${v0!.p2p!.score(junk.peerId)} below the ban threshold`);
  await waitFor(() => !v0!.p2p!.peers().some((p) => p.peerId === junk.peerId), 10_000, 'validator 0 hung up on the junk peer');

  // the chain keeps committing, and honest gossip still reaches the observer
  await waitFor(() => net.nodes.every((x) => x.state.height >= startHeight + 5n), 60_000, 'five more blocks on every node');
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(sample);
  const relayed = [...sent].filter(([d]) => heard.has(d)).map(([, kind]) => kind);
  const problems: string[] = [];
  for (const kind of ['bad signature', 'unknown validator', 'far height', 'oversized proposal']) {
    assert.ok([...sent.values()].includes(kind), `some ${kind} junk was sent`);
    if (relayed.includes(kind)) problems.push(`${kind} junk relayed to the observer`);
    if (inWal.has(kind)) problems.push(`${kind} junk written to a validator's WAL`);
  }
  if (walMax >= 64 * KiB) problems.push(`a height's WAL grew to ${walMax} bytes`);
  assert.deepEqual(problems, []);
  for (let h = 1n; h <= startHeight + 5n; h++) {
    const hashes = await Promise.all(net.nodes.map(async (x) => bytesToHex((await x.store.getCommit(h))!.blockHash)));
    assert.equal(new Set(hashes).size, 1, `height ${h}: one block on every node`);
  }
});

function addressOf(i: number): Uint8Array {
  return addressFromPublicKey(publicKeyFromSeed(validatorSeed(i)));
}

