// Selects the tfjs backend that runs training. Consensus hashes come from 'det' (ml-runtime/det);
// 'cpu' (tfjs's own) is available for comparisons and is the fallback only while det is absent.
import { tf } from './tf.ts';
import { MlError } from './commitment/errors.ts';

export const CONSENSUS_BACKEND = 'det';

let detModule: { DET_BACKEND: string; DET_RUNTIME_VERSION: string; registerDetBackend(): unknown } | null | undefined;

async function loadDet(): Promise<typeof detModule> {
  if (detModule !== undefined) return detModule;
  try {
    const spec = './det/index.ts';
    detModule = (await import(spec)) as typeof detModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw e;
    detModule = null;
  }
  return detModule;
}

/** The runtime version of the det backend, or null when it is not present in this build. */
export async function detRuntimeVersion(): Promise<string | null> {
  return (await loadDet())?.DET_RUNTIME_VERSION ?? null;
}

/**
 * Makes `name` the active tfjs backend ('det' when omitted; falls back to 'cpu' only when the det
 * module is not present at all, which `allowFallback: false` forbids). Returns the backend's name.
 */
export async function selectBackend(name?: string, opts: { allowFallback?: boolean } = {}): Promise<string> {
  let want = name ?? CONSENSUS_BACKEND;
  if (want === CONSENSUS_BACKEND) {
    const det = await loadDet();
    if (det) {
      if (!tf.findBackend(det.DET_BACKEND)) det.registerDetBackend();
    } else if (name === undefined && opts.allowFallback !== false) {
      want = 'cpu';
    } else {
      throw new MlError('BACKEND_UNAVAILABLE', 'the det backend (ml-runtime/det/index.ts) is not present in this build');
    }
  }
  if (!tf.findBackendFactory(want)) {
    throw new MlError('BACKEND_UNAVAILABLE', `no tfjs backend named ${JSON.stringify(want)} is registered (available: ${Object.keys(tf.engine().registryFactory).join(', ')})`);
  }
  if (tf.getBackend() !== want || !(await tf.setBackend(want))) {
    const ok = await tf.setBackend(want);
    if (!ok) throw new MlError('BACKEND_UNAVAILABLE', `tfjs backend ${JSON.stringify(want)} could not be initialised`);
  }
  // tfjs-backend-cpu (and det, its subclass) prints a tfjs-node advertisement on first use in Node: skip it.
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if (b.firstUse === true) b.firstUse = false;
  return tf.getBackend();
}
