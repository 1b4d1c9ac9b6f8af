// Operator metrics (Prometheus, prom-client): the node's registry and what feeds it.
export { NodeMetrics, VERIFIER_OUTCOMES, type MetricSources } from './node-metrics.ts';
export { healthStatus, STALE_HEAD_INTERVALS, MIN_STALE_MS, type HealthInputs } from './health.ts';
