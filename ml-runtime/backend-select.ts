// Selects the tfjs backend that runs training. Consensus hashes come from 'det' (ml-runtime/det);
// 'cpu' (tfjs's own) is available for comparisons and is the fallback only while det is absent.
import { tf } from './tf.ts';
import { MlError } from './commitment/errors.ts';

export const CONSENSUS_BACKEND = 'det';

interface DetModule {
  DET_BACKEND: string;
  DET_RUNTIME_VERSION: string;
  registerDetBackend(): unknown;
  DetBackend: abstract new (...args: never[]) => unknown;
}

// undefined: not looked for yet; null: this build has no det module
let detModule: DetModule | null | undefined;

async function loadDet(): Promise<DetModule | null> {
  if (detModule !== undefined) return detModule;
  let m: DetModule | null;
  try {
    const spec = './det/index.ts';
    m = (await import(spec)) as DetModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw e;
    m = null;
  }
  detModule = m;
  return m;
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

/**
 * Makes det the active tfjs backend without awaiting, for synchronous callers (the dispute referee
 * inside block application), and checks that the active backend is det's own class. det must have
 * been loaded before (by `selectBackend('det')` or `detRuntimeVersion()`): the module is loaded
 * asynchronously, once. tfjs switches to an already registered backend with a synchronous factory
 * (det's) before its `setBackend` promise settles, so the check right after it is exact. Throws
 * BACKEND_UNAVAILABLE, never falls back. Returns det's runtime version.
 */
export function activateDetSync(): string {
  const det = detModule;
  if (det === null) throw new MlError('BACKEND_UNAVAILABLE', 'the det backend (ml-runtime/det/index.ts) is not present in this build');
  if (det === undefined) {
    throw new MlError('BACKEND_UNAVAILABLE', "the det backend has not been loaded yet: await selectBackend('det', { allowFallback: false }) first");
  }
  det.registerDetBackend();
  if (tf.getBackend() !== det.DET_BACKEND) void tf.setBackend(det.DET_BACKEND).catch(() => undefined);
  if (tf.getBackend() !== det.DET_BACKEND || !(tf.backend() instanceof det.DetBackend)) {
    throw new MlError('BACKEND_UNAVAILABLE', `the active tfjs backend is ${JSON.stringify(tf.getBackend())}, not the det backend, and it could not be switched synchronously`);
  }
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if (b.firstUse === true) b.firstUse = false;
  return det.DET_RUNTIME_VERSION;
}
