// Chaos, bounded: a real 4-validator devnet (separate processes, LevelDB, libp2p over TCP) takes
// 300 signed transfers over JSON-RPC while validators are SIGKILLed and restarted (one of them the
// moment it commits a block), one is partitioned from its peers, and a junk gossip peer publishes
// garbage, badly signed votes and oversized proposals. Then: every receipted transfer is in its
// receipt's block at its index on every validator, block hashes and state roots agree at every
// height, and the chain went on after the last restart. `npm run soak` runs the same driver longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from './helpers/chaos/driver.ts';

test('chaos: 300 transfers through 3 kills, a partition and junk gossip lose nothing and fork nothing', { timeout: 400_000 }, async (t) => {
  const lines: string[] = [];
  const r = await runChaos({ transfers: 300, rate: 10, kills: 3, partitions: 1, junk: true, log: (l) => lines.push(l) }).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${lines.join('\n')}`);
  });
  const why = `${JSON.stringify(r)}\n${lines.join('\n')}`;
  for (const l of lines) t.diagnostic(l);
  t.diagnostic(JSON.stringify({ ...r, lost_hashes: undefined, fork_heights: undefined }));

  assert.equal(r.sent, 300, why);
  assert.equal(r.receipted, 300, `every sent transfer was committed: ${why}`);
  assert.equal(r.lost, 0, `receipted transfers missing from their block: ${why}`);
  assert.equal(r.forks, 0, `validators disagree at some height: ${why}`);
  assert.equal(r.duplicates, 0, why);
  assert.equal(r.txs_in_chain, 300, 'the chain holds exactly the transfers sent');
  assert.equal(r.kills, 3);
  assert.equal(r.kills_after_commit, 1);
  assert.equal(r.restarts, 3);
  assert.equal(r.partitions, 1);
  assert.ok(r.advanced_after_last_restart >= 3, `the chain went on after the last restart: ${why}`);
  assert.ok(r.junk.published > 0 && r.junk.oversized > 0, 'the junk peer published');
  assert.ok(r.wal_bytes_per_height.samples > 0 && r.wal_bytes_per_height.max > 0, 'WAL sizes were sampled');
});
