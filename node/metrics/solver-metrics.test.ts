// The solver's metrics follow its events: steps counted once per step across progress reports and
// jobs, the rate and loss of the job in training, events by type; served as valid exposition text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SolverMetrics, serveMetrics } from './index.ts';
import { parsePrometheusText } from '../../test/helpers/prom-text.ts';

test('solver metrics: steps, steps/s, loss and events from the solver events, over GET /metrics', async () => {
  const m = new SolverMetrics();
  m.observe({ type: 'accepted', jobId: 'a' });
  m.observe({ type: 'progress', jobId: 'a', step: 10, loss: 2.5, stepsPerSecond: 40 });
  m.observe({ type: 'progress', jobId: 'a', step: 25, loss: 1.25, stepsPerSecond: 50 });
  m.observe({ type: 'trained', jobId: 'a' });
  m.observe({ type: 'progress', jobId: 'b', step: 5, loss: null, stepsPerSecond: 20 });
  const server = await serveMetrics(m.registry, '127.0.0.1', 0);
  try {
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    const f = parsePrometheusText(await res.text());
    const v = (name: string, labels: Record<string, string> = {}) =>
      f.get(name)?.samples.find((s) => Object.entries(labels).every(([k, x]) => s.labels[k] === x))?.value;
    assert.equal(f.get('polchain_solver_steps_total')?.type, 'counter');
    assert.equal(v('polchain_solver_steps_total'), 30);
    assert.equal(f.get('polchain_solver_steps_per_second')?.type, 'gauge');
    assert.equal(v('polchain_solver_steps_per_second'), 20);
    assert.equal(v('polchain_solver_loss'), 1.25, 'a step without a finite loss keeps the last one');
    assert.equal(v('polchain_solver_events_total', { type: 'accepted' }), 1);
    assert.equal(v('polchain_solver_events_total', { type: 'trained' }), 1);
    assert.ok(f.has('nodejs_eventloop_lag_seconds'));
    assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
  } finally {
    await server.close();
  }
});
