// A watchtower is on no committee: before a job is finalized its solver refuses it a checkpoint
// (DA_FORBIDDEN, docs/da.md §2b) until it demands a chunk of that checkpoint on chain. Real vm chain
// (TestChain), real libp2p on 127.0.0.1, the solver's access rule over the chain's state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { DatasetRegistry } from '../jobs/index.ts';
import { JobData } from './job-data.ts';
import { fromVmJob } from './job-view.ts';
import { WatchError } from './errors.ts';
import { terms } from '../../test/helpers/job-work.ts';
import { TestWatchChain } from '../../test/helpers/watch-chain.ts';
import { mkHost, provisionalJob } from '../../test/helpers/watch-work.ts';
import { equalBytes } from '../../primitives/index.ts';

const unavailable = (re: RegExp) => (e: unknown) => e instanceof WatchError && e.code === 'WATCH_DATA_UNAVAILABLE' && re.test(e.message);

test('refused a checkpoint, the watchtower demands one chunk once and is served the job\'s checkpoints once the demand is on chain', { timeout: 120_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { access: 'chain', terms: { dispute: { ...terms().dispute, window: 6 } } });
  const wc = new TestWatchChain(c, c.other);
  const data = new JobData(await mkHost(t), new DatasetRegistry(), wc, pino({ level: 'silent' }));
  const signal = new AbortController().signal;
  const leaf = await data.leaf(fromVmJob(c.job(id)), 1, signal);

  await assert.rejects(data.state(fromVmJob(c.job(id)), leaf, signal), unavailable(/committee members and demanders only; demanded chunk 0 of checkpoint 1 on chain/));
  assert.deepEqual(wc.sent.map((x) => x.kind), ['da-demand']);
  // the demand is still in the mempool: no second one
  await assert.rejects(data.state(fromVmJob(c.job(id)), leaf, signal), unavailable(/is pending/));
  assert.equal(wc.sent.length, 1);

  wc.block();
  const d = c.job(id).demands;
  assert.equal(d.length, 1);
  assert.ok(equalBytes(d[0]!.by, c.other.address) && d[0]!.checkpoint === 1 && d[0]!.chunk === 0);
  assert.deepEqual(await data.state(fromVmJob(c.job(id)), leaf, signal), await art.checkpointBytes(1));
  // the demand bought the job's other checkpoints too
  const leaf2 = await data.leaf(fromVmJob(c.job(id)), 2, signal);
  assert.deepEqual(await data.state(fromVmJob(c.job(id)), leaf2, signal), await art.checkpointBytes(2));
  assert.equal(wc.sent.length, 1, 'served without a second demand');
});
