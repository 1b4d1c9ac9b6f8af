// The solver's own Prometheus metrics. The solver is a client process (it reaches a node only over
// JSON-RPC and libp2p), so the node cannot know its training speed: `polchain solver
// --metrics-port P` serves these from the solver process itself (serveMetrics), fed by its events.

import { Counter, Gauge, Registry } from 'prom-client';
import { processMetrics } from './node-metrics.ts';

/** The few solver events the metrics read (node/solver SolverEvent, structurally). */
export type SolverMetricEvent =
  | { type: 'progress'; jobId: string; step: number; loss: number | null; stepsPerSecond: number }
  | { type: string; jobId?: string | null };

export class SolverMetrics {
  private readonly own = new Registry();
  /** The solver's metrics and the process's (event-loop lag, memory), as serveMetrics serves them. */
  get registry(): Registry {
    return Registry.merge([this.own, processMetrics()]);
  }
  private readonly steps: Counter;
  private readonly rate: Gauge;
  private readonly loss: Gauge;
  private readonly events: Counter<'type'>;
  /** The last step counted per job, so the counter grows by what was trained since. */
  private readonly lastStep = new Map<string, number>();

  constructor() {
    const registers = [this.own];
    this.steps = new Counter({ name: 'polchain_solver_steps_total', help: 'Training steps this solver has run', registers });
    this.rate = new Gauge({ name: 'polchain_solver_steps_per_second', help: 'Training speed of the job being trained (0 when idle)', registers });
    this.loss = new Gauge({ name: 'polchain_solver_loss', help: 'Training loss at the last reported step', registers });
    this.events = new Counter({ name: 'polchain_solver_events_total', help: 'Solver events by type (accepted, committed, opened, revealed, ended, ...)', labelNames: ['type'], registers });
  }

  observe(e: SolverMetricEvent): void {
    if (e.type === 'progress' && 'step' in e) {
      const before = this.lastStep.get(e.jobId) ?? 0;
      if (e.step > before) this.steps.inc(e.step - before);
      this.lastStep.set(e.jobId, e.step);
      this.rate.set(e.stepsPerSecond);
      if (e.loss !== null) this.loss.set(e.loss);
      return;
    }
    this.events.inc({ type: e.type });
    if ((e.type === 'trained' || e.type === 'diverged' || e.type === 'ended') && typeof e.jobId === 'string') {
      this.rate.set(0);
      if (e.type === 'ended') this.lastStep.delete(e.jobId);
    }
  }
}
