// A job's dataset that no bundled or stored dataset matches is fetched from the dataset peers the
// solver was given (the submitter's node serves what `polchain dataset add` stored): every sample is
// proven under the job's root, and the solver then serves it to the committee like a bundled one.
import { specShapes, specInputShape, specOutputSize, type Dataset, type ModelSpec } from '../../ml-runtime/index.ts';
import { fetchDataset } from '../jobs/index.ts';
import type { SolverContext } from './context.ts';
import type { JobView } from './job-view.ts';
import { bytesToHex, errorLine } from '../../primitives/index.ts';

/** `/ip4/…/tcp/…/p2p/<id>` as a DA peer. */
export function datasetPeerOf(addr: string): { peerId: string; addrs: string[] } {
  const m = /\/p2p\/([^/]+)$/.exec(addr);
  if (!m) throw new Error(`dataset peer ${JSON.stringify(addr)} must end in /p2p/<peer id>`);
  return { peerId: m[1]!, addrs: [addr] };
}

/** The job's dataset from the first dataset peer that serves it (added to the registry), or why none did. */
export async function fetchJobDataset(c: SolverContext, v: JobView, spec: ModelSpec): Promise<{ dataset: Dataset } | { reason: string }> {
  const peers = c.o.datasetPeers ?? [];
  const root = v.terms.datasetRoot;
  const what = `dataset root ${bytesToHex(root).slice(0, 16)}…`;
  if (!peers.length || !c.host) return { reason: `${what} is not a dataset this solver holds (no --dataset-peer to fetch it from)` };
  const outputSize = specOutputSize(spec, specShapes(spec));
  const failures: string[] = [];
  for (const addr of peers) {
    try {
      const ds = await fetchDataset(c.host, datasetPeerOf(addr), root, v.terms.datasetSize, { signal: c.signal, featureShape: specInputShape(spec), outputSize });
      c.registry.add(`fetched/${bytesToHex(root).slice(0, 16)}`, ds);
      c.log.info({ job: v.idHex, root: bytesToHex(root), samples: ds.count, from: addr }, 'dataset fetched and proven');
      return { dataset: ds };
    } catch (e) {
      if (c.signal.aborted) throw e;
      failures.push(`${addr}: ${errorLine(e)}`);
    }
  }
  return { reason: `${what}: no dataset peer served it (${failures.join('; ')})` };
}
