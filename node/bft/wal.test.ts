// The consensus WAL on a real file: replay after a restart, a per-height bound, no duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConsensusWal, type WalRecord } from './wal.ts';
import { loadSignHistory, openGuardedSigner } from './sign-history.ts';
import { encodeVote, signVote } from '../../consensus/index.ts';
import { addressFromPublicKey, publicKeyFromSeed, sha256 } from '../../primitives/index.ts';

const seed = sha256(new TextEncoder().encode('wal test validator'));
const address = addressFromPublicKey(publicKeyFromSeed(seed));
const vote = (round: number): WalRecord => ({
  kind: 'vote',
  bytes: encodeVote(signVote('wal-test', { type: 'prevote', height: 7n, round, blockHash: null, validator: address }, seed)),
});

function tempWal(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'cs.wal');
}

test('a restarted WAL replays its height in order, drops a torn last record and appends in its place', (t) => {
  const path = tempWal(t);
  const w = new ConsensusWal(path);
  w.startHeight(7n);
  const recs: WalRecord[] = [vote(0), { kind: 'proposal', bytes: Uint8Array.of(1, 2, 3) }, { kind: 'timeout', height: 7n, round: 0, step: 'propose' }, vote(1)];
  for (const r of recs) assert.equal(w.append(r), 'written');
  w.close();
  appendFileSync(path, Uint8Array.of(0, 0, 0, 50, 1, 2)); // a crash in the middle of a record
  const again = new ConsensusWal(path);
  assert.deepEqual(again.read(), [{ kind: 'height', height: 7n }, ...recs]);
  assert.equal(again.append(vote(2)), 'written');
  again.close();
  assert.deepEqual(new ConsensusWal(path).read(), [{ kind: 'height', height: 7n }, ...recs, vote(2)], 'what was appended after the restart replays too');
});

test('the same proposal or vote is written once per height, also across a restart; a new height starts afresh', (t) => {
  const path = tempWal(t);
  const w = new ConsensusWal(path);
  w.startHeight(7n);
  assert.equal(w.append(vote(0)), 'written');
  const size = statSync(path).size;
  assert.equal(w.append(vote(0)), 'duplicate');
  assert.equal(statSync(path).size, size);
  w.close();
  const again = new ConsensusWal(path);
  again.read();
  assert.equal(again.append(vote(0)), 'duplicate');
  assert.equal(again.size, size);
  again.startHeight(8n);
  assert.equal(again.append(vote(0)), 'written');
  again.close();
});

test('past the per-height bound proposals and votes are not persisted, reported once; timeouts still are; the next height writes again', (t) => {
  const path = tempWal(t);
  const full: Array<{ height: bigint | null; bytes: number; maxBytes: number }> = [];
  const w = new ConsensusWal(path, { maxBytesPerHeight: 1000, onFull: (i) => full.push(i) });
  w.startHeight(7n);
  const results = Array.from({ length: 20 }, (_, r) => w.append(vote(r)));
  const written = results.filter((r) => r === 'written').length;
  assert.ok(written >= 3 && written < 20, `some votes fit, the rest do not (${written} written)`);
  assert.deepEqual(results.slice(written), Array(20 - written).fill('full'));
  assert.ok(statSync(path).size <= 1000, `file of ${statSync(path).size} bytes within the bound`);
  assert.equal(full.length, 1, 'reported once per height');
  assert.equal(full[0]!.height, 7n);
  assert.equal(w.append({ kind: 'timeout', height: 7n, round: 0, step: 'propose' }), 'written');
  w.close();
  const replay = new ConsensusWal(path).read();
  assert.equal(replay.filter((r) => r.kind === 'vote').length, written);
  assert.equal(replay.at(-1)!.kind, 'timeout');
  w.startHeight(8n);
  assert.equal(w.append(vote(19)), 'written');
  for (let r = 0; r < 20; r++) w.append(vote(r));
  assert.equal(full.length, 2, 'and once more for the next height');
  w.close();
});

test('appends are made durable in groups: before the validator records a signature, never after it', (t) => {
  const path = tempWal(t);
  const historyPath = join(path, '..', 'sign-history.json');
  const w = new ConsensusWal(path);
  let failSync = false;
  const order: string[] = [];
  const signer = openGuardedSigner(seed, historyPath, () => {
    if (failSync) throw new Error('disk full');
    order.push(`sync with ${loadSignHistory(historyPath).length} signatures on disk`);
    w.sync();
  });
  w.startHeight(7n);
  w.append(vote(0));
  w.append(vote(1));
  assert.equal(w.unsynced, true, 'an append alone is not fsynced');
  signer.signVote('wal-test', { type: 'prevote', height: 7n, round: 0, blockHash: null, validator: address });
  assert.equal(w.unsynced, false, 'the inputs that led to the signature are durable');
  assert.deepEqual(order, ['sync with 0 signatures on disk'], 'synced before the signature was recorded');
  assert.equal(loadSignHistory(historyPath).length, 1);
  w.append(vote(2));
  failSync = true;
  const before = readFileSync(historyPath, 'utf8');
  assert.throws(() => signer.signVote('wal-test', { type: 'prevote', height: 7n, round: 1, blockHash: null, validator: address }), /disk full/);
  assert.equal(readFileSync(historyPath, 'utf8'), before, 'a failed sync records and returns no signature');
  w.close();
  assert.equal(w.unsynced, false, 'close makes the log durable');
});
