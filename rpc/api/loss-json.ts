// JSON shape of a job's committed loss curve (job_getLossCurve, docs/rpc.md "Jobs", docs/jobs.md §1.1).
import { array, bool, hash, int, nullable, num, object, oneOfStrings, str } from './shape.ts';
import type { Repr, Wire } from './wire.ts';

/** How far a committed loss was checked: only committed, recomputed and equal, or recomputed and different. */
export const LOSS_POINT_STATUS_NAMES = ['committed', 'confirmed', 'mismatch'] as const;
export type LossPointStatus = (typeof LOSS_POINT_STATUS_NAMES)[number];

/** Most points a curve answer carries (evenly downsampled; every confirmed and mismatch point kept). */
export const LOSS_CURVE_MAX_POINTS = 2000;

export interface LossPointJson { step: number; loss: number; status: LossPointStatus }
export const LOSS_POINT = object({
  step: int('t: the loss is of the step t → t+1'),
  loss: num('the committed float32 loss as a JS number'),
  status: oneOfStrings(LOSS_POINT_STATUS_NAMES, 'confirmed: a committee replay or the referee recomputed this loss and it matched; mismatch: recomputed and different'),
});

export interface LossCurveJson<W extends Repr = Wire> {
  jobId: W['bytes']; steps: number; lossRoot: W['bytes'] | null; available: boolean; reason?: string; points: LossPointJson[];
}
export const LOSS_CURVE = object({
  jobId: hash('job id'),
  steps: int('T: the number of committed losses'),
  lossRoot: nullable(hash('the loss root the TraceCommit carried; null when it carried none')),
  available: bool('whether this node holds the whole loss vector, checked against lossRoot'),
  reason: str('why the vector is not available (absent when it is)'),
  points: array(LOSS_POINT, 'ascending by step'),
}, ['reason']);
