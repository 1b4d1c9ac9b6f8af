import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatDuration, formatRate } from './progress.ts';

function sink(tty: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY: tty, write: (s: string) => { out.push(s); return true; } } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

test('formatDuration and formatRate', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '--:--');
  assert.equal(formatRate(123.4), '123');
  assert.equal(formatRate(12.34), '12.3');
  assert.equal(formatRate(1.234), '1.23');
});

test('progress line shows bar, count, rate, ETA and fields; throttled on non-TTY', () => {
  let now = 0;
  const s = sink(false);
  const p = new Progress({ total: 100, label: 'train', unit: 'steps', stream: s.stream, now: () => now, intervalMs: 1000, width: 10 });
  now = 2000; p.update(20, { loss: 0.5 });
  assert.equal(s.out.length, 1);
  assert.equal(s.out[0], 'train [##--------] 20/100 20% 10.0 steps/s ETA 0:08 loss=0.5000\n');
  now = 2500; p.update(25);
  assert.equal(s.out.length, 1, 'throttled');
  now = 10000; p.update(100);
  assert.match(s.out.at(-1)!, /\[##########\] 100\/100 100% 10\.0 steps\/s ETA 0:00/);
  const n = s.out.length;
  p.finish();
  assert.equal(s.out.length, n, 'final line not repeated');
});

test('TTY mode redraws one line and ends it on finish; unknown total shows elapsed', () => {
  let now = 0;
  const s = sink(true);
  const p = new Progress({ label: 'sync', unit: 'blocks', stream: s.stream, now: () => now });
  now = 1000; p.tick(5);
  assert.match(s.out[0]!, /^\r\x1b\[2Ksync 5 5\.00 blocks\/s elapsed 0:01$/);
  p.finish();
  assert.ok(s.out.at(-1)!.endsWith('\n'));
});
