// GET /metrics on a real BFT node (two validators over libp2p, LevelDB, the WAL): the exposition
// parses with a strict text-format parser and carries each metric docs/operations.md promises,
// with the right type and with values that moved because the node did the work they count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { RpcClient } from '../rpc/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { startBftNet, waitFor } from './helpers/bft-net.ts';
import { parsePrometheusText, type Family, type MetricType } from './helpers/prom-text.ts';
import { SolverMetrics } from '../node/metrics/index.ts';
import { ROOT } from './helpers/node-process.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const EXPECTED: Record<string, MetricType> = {
  polchain_head_height: 'gauge',
  polchain_consensus_round: 'gauge',
  polchain_syncing: 'gauge',
  polchain_block_interval_seconds: 'histogram',
  polchain_peers: 'gauge',
  polchain_mempool_txs: 'gauge',
  polchain_mempool_bytes: 'gauge',
  polchain_tx_admitted_total: 'counter',
  polchain_tx_rejected_total: 'counter',
  polchain_rpc_requests_total: 'counter',
  polchain_rpc_request_duration_seconds: 'histogram',
  polchain_verifier_tasks_total: 'counter',
  polchain_verifier_tasks: 'gauge',
  polchain_compact_proposals_total: 'counter',
  polchain_store_write_seconds: 'histogram',
  polchain_wal_append_seconds: 'histogram',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
};

const value = (f: Family | undefined, name: string, labels: Record<string, string> = {}): number | undefined =>
  f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

test('/metrics: every promised metric, well formed, counting what the node did', { timeout: 120_000 }, async (t) => {
  const net = await startBftNet(2);
  t.after(() => net.stop());
  const [a] = net.nodes;
  await waitFor(() => net.nodes.every((x) => x.state.height >= 3n), 60_000, 'height 3');
  const rpc = new RpcClient(a!.rpcUrl!);
  const raw = encodeTx(signTx({ chainId: net.genesis.chainId, nonce: 0n, fee: 3n, payload: { kind: 'transfer', to: devAccount(1).address, amount: 5n } }, devAccount(0).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  await assert.rejects(rpc.call('tx_submit', ['0x' + bytesToHex(raw)])); // a duplicate: refused by the mempool
  await assert.rejects(rpc.call('no_such_method' as never, [] as never));

  const res = await fetch(a!.rpcUrl + 'metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusText(await res.text());
  for (const [name, type] of Object.entries(EXPECTED)) {
    assert.equal(families.get(name)?.type, type, `${name} is a ${type}`);
    assert.ok(families.get(name)!.help, `${name} has a HELP line`);
  }
  const f = (n: string) => families.get(n);
  assert.ok(value(f('polchain_head_height'), 'polchain_head_height')! >= 3);
  assert.equal(value(f('polchain_peers'), 'polchain_peers'), 1);
  assert.equal(value(f('polchain_tx_admitted_total'), 'polchain_tx_admitted_total'), 1);
  assert.ok(value(f('polchain_tx_rejected_total'), 'polchain_tx_rejected_total', { code: 'MEMPOOL_DUPLICATE' })! >= 1);
  assert.ok(value(f('polchain_rpc_requests_total'), 'polchain_rpc_requests_total', { method: 'tx_submit', code: '0' })! >= 1);
  assert.equal(value(f('polchain_rpc_requests_total'), 'polchain_rpc_requests_total', { method: '(unknown)', code: '-32601' }), 1);
  assert.ok(!f('polchain_rpc_requests_total')!.samples.some((s) => s.labels.method === 'no_such_method'), 'unknown names do not become labels');
  for (const h of ['polchain_block_interval_seconds', 'polchain_store_write_seconds', 'polchain_wal_append_seconds']) {
    assert.ok(value(f(h), `${h}_count`)! >= 2, `${h} observed`);
  }
  for (const outcome of ['verified', 'unavailable', 'failed', 'disagreed']) {
    assert.equal(typeof value(f('polchain_verifier_tasks_total'), 'polchain_verifier_tasks_total', { outcome }), 'number', outcome);
  }
  assert.equal(typeof value(f('polchain_verifier_tasks'), 'polchain_verifier_tasks', { state: 'queued' }), 'number');
  // two validators: each rebuilt the other's compact proposals from its mempool (empty blocks included)
  assert.ok(value(f('polchain_compact_proposals_total'), 'polchain_compact_proposals_total', { outcome: 'rebuilt' })! >= 1);
  assert.equal(value(f('polchain_compact_proposals_total'), 'polchain_compact_proposals_total', { outcome: 'fetched' }), 0);
  // the Grafana dashboard queries only names that exist (on the node, or on a solver's --metrics-port)
  const solverNames = new Set((await new SolverMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
  const dashboard = JSON.parse(await readFile(join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  const queried = new Set<string>();
  for (const p of dashboard.panels) for (const q of p.targets) for (const m of q.expr.matchAll(/\b((?:polchain|nodejs|process)_[a-z0-9_]+)/g)) queried.add(m[1]!.replace(/_bucket$/, ''));
  assert.ok(queried.size >= 15, `the dashboard queries ${[...queried].join(', ')}`);
  for (const name of queried) assert.ok(families.has(name) || solverNames.has(name), `dashboard metric ${name} is exported`);
  for (const name of Object.keys(EXPECTED)) assert.ok(queried.has(name) || name === 'nodejs_eventloop_lag_seconds', `the dashboard plots ${name}`);
  // the two nodes in this process keep their own numbers
  const b = parsePrometheusText(await (await fetch(net.nodes[1]!.rpcUrl + 'metrics')).text());
  assert.equal(value(b.get('polchain_rpc_requests_total'), 'polchain_rpc_requests_total', { method: '(unknown)', code: '-32601' }), undefined);
});

test('the text parser refuses malformed expositions', () => {
  const bad = [
    'x 1', // no trailing newline
    'x{a="1",a="2"} 1\n',
    'x{a=1} 1\n',
    'x one\n',
    '# TYPE x counter\nx 1\ny 1\nx 2\n',
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
    'x 1\n# TYPE x gauge\n',
  ];
  for (const text of bad) assert.throws(() => parsePrometheusText(text), text);
  assert.equal(parsePrometheusText('# HELP x a gauge\n# TYPE x gauge\nx{a="q\\"uote"} -Inf\n').get('x')!.samples[0]!.labels.a, 'q"uote');
});
