import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PublishQueue, type Publisher } from './publish-queue.ts';

const turn = () => new Promise((r) => setImmediate(r));

function recorder(): Publisher & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    publish(topic, data, key) {
      if (topic === 'bad') throw new Error('unknown topic');
      sent.push(`${topic}:${JSON.stringify(data)}${key ? '@' + key : ''}`);
      return 1;
    },
  };
}

test('the commit hook returns before the fan-out; notifications go out next turn, in order', async () => {
  const r = recorder();
  const q = new PublishQueue(() => r, () => {});
  q.push([{ topic: 'newHeads', data: { height: 1 } }, { topic: 'jobs', data: 'j1', key: '0xaa' }]);
  q.push([{ topic: 'newHeads', data: { height: 2 } }]);
  assert.deepEqual(r.sent, [], 'nothing is written to subscribers inside the commit hook');
  assert.equal(q.size, 3);
  await turn();
  assert.deepEqual(r.sent, ['newHeads:{"height":1}', 'jobs:"j1"@0xaa', 'newHeads:{"height":2}']);
  q.push([{ topic: 'newHeads', data: { height: 3 } }]);
  await turn();
  assert.deepEqual(r.sent.at(-1), 'newHeads:{"height":3}');
  assert.equal(q.size, 0);
});

test('flush sends what is queued at once (before the rpc server closes); a failing publication does not stop the rest', async () => {
  const r = recorder();
  const errors: string[] = [];
  const q = new PublishQueue(() => r, (_e, topic) => errors.push(topic));
  q.push([{ topic: 'bad', data: 1 }, { topic: 'newHeads', data: { height: 9 } }]);
  q.flush();
  assert.deepEqual(r.sent, ['newHeads:{"height":9}']);
  assert.deepEqual(errors, ['bad']);
  await turn(); // the scheduled turn finds nothing left and sends nothing twice
  assert.deepEqual(r.sent, ['newHeads:{"height":9}']);
});

test('without an rpc server the queue drops its notifications', async () => {
  let target: Publisher | undefined;
  const q = new PublishQueue(() => target, () => {});
  q.push([{ topic: 'newHeads', data: 1 }]);
  await turn();
  target = recorder();
  await turn();
  assert.deepEqual((target as ReturnType<typeof recorder>).sent, []);
  assert.equal(q.size, 0);
});
