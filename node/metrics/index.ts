// Operator metrics (Prometheus, prom-client): the node's registry and what feeds it, what /health
// says, and the solver's own registry with the small server it is exposed on.
export { NodeMetrics, VERIFIER_OUTCOMES, processMetrics, type MetricSources } from './node-metrics.ts';
export { healthStatus, STALE_HEAD_INTERVALS, MIN_STALE_MS, type HealthInputs } from './health.ts';
export { SolverMetrics, type SolverMetricEvent } from './solver-metrics.ts';
export { serveMetrics, type MetricsServer } from './metrics-server.ts';
