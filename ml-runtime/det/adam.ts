// A fused Adam update for det: one pass per variable instead of ~12 elementwise kernels, with
// exactly the per-element float32 operations of tfjs 4.22's AdamOptimizer on det, so the bits
// equal tf.train.adam on det (tested). On any other backend it defers to tfjs's own update.
// Per element (fr = round to float32; b1 = fr(beta1), c1 = fr(1 - beta1) in double, likewise
// b2/c2; oma1 = fr(1 - accBeta1), oma2 = fr(1 - accBeta2); eps = fr(epsilon); nlr = fr(-lr)):
//   m' = fr(fr(m*b1) + fr(g*c1))            v' = fr(fr(v*b2) + fr(fr(g*g)*c2))
//   mh = fr(m'/oma1)  vh = fr(v'/oma2)      u  = fr(fr(mh / fr(fr(sqrt(vh)) + eps)) * nlr)
//   w' = fr(u + w)                          then accBeta1 = fr(accBeta1*b1), accBeta2 likewise.
import { tf } from '../tf.ts';
import { DET_BACKEND } from './det-backend.ts';

const fr = Math.fround;

type Grads = Parameters<tf.AdamOptimizer['applyGradients']>[0];
type Slot = { originalName: string; variable: tf.Variable };
type AdamInternals = {
  accBeta1: tf.Variable; accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[];
};

export class DetAdamOptimizer extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon ?? undefined);
  }

  override applyGradients(variableGradients: Grads): void {
    if (tf.getBackend() !== DET_BACKEND) { super.applyGradients(variableGradients); return; }
    const self = this as unknown as AdamInternals;
    const varNames = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const b1 = fr(this.beta1), b2 = fr(this.beta2), c1 = fr(1 - this.beta1), c2 = fr(1 - this.beta2);
    const eps = fr(this.epsilon), nlr = fr(-this.learningRate);
    tf.tidy(() => {
      const oma1 = fr(1 - self.accBeta1.dataSync()[0]);
      const oma2 = fr(1 - self.accBeta2.dataSync()[0]);
      varNames.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (self.accumulatedFirstMoment[i] == null) {
          self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        if (self.accumulatedSecondMoment[i] == null) {
          self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        const gradient: tf.Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : (variableGradients as Record<string, tf.Tensor>)[name];
        if (gradient == null) return;
        const mVar = self.accumulatedFirstMoment[i].variable, vVar = self.accumulatedSecondMoment[i].variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') throw new TypeError(`DetAdamOptimizer: ${name} is not float32`);
        const g = gradient.dataSync() as Float32Array, m = mVar.dataSync() as Float32Array;
        const v = vVar.dataSync() as Float32Array, w = value.dataSync() as Float32Array;
        const n = w.length;
        const nm = new Float32Array(n), nv = new Float32Array(n), nw = new Float32Array(n);
        for (let k = 0; k < n; k++) {
          const gk = g[k];
          const mk = fr(fr(m[k] * b1) + fr(gk * c1));
          const vk = fr(fr(v[k] * b2) + fr(fr(gk * gk) * c2));
          const mh = fr(mk / oma1), vh = fr(vk / oma2);
          const u = fr(fr(mh / fr(fr(Math.sqrt(vh)) + eps)) * nlr);
          nm[k] = mk; nv[k] = vk; nw[k] = u + w[k];
        }
        mVar.assign(tf.tensor(nm, value.shape, 'float32'));
        vVar.assign(tf.tensor(nv, value.shape, 'float32'));
        value.assign(tf.tensor(nw, value.shape, 'float32'));
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** Drop-in for tf.train.adam with det's fused update (same bits as tf.train.adam on det). */
export function detAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): DetAdamOptimizer {
  return new DetAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
