// The final weights of a child job's parent, which the child's replay starts from.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { checkpointSteps, decodeState, parseSpec, stepHash } from '../../ml-runtime/index.ts';
import type { Job, JobOpening } from '../../vm/index.ts';
import { layoutOfSpec, type DaPeer } from '../jobs/index.ts';
import { short, type VerifierContext } from './context.ts';
import { VerifierError } from './errors.ts';
import { equalBytes, bytesToHex, errorMessage } from '../../primitives/index.ts';

/**
 * The parent job's final weights (the start of a child job): proven against the parent's
 * commitment, fetched from this job's solver or else the parent's, cached in workDir.
 */
export async function parentState(c: VerifierContext, job: Job, peer: DaPeer, signal: AbortSignal, log: Logger): Promise<Uint8Array> {
  const parent = c.o.state.getJob(job.terms.parent!);
  if (!parent?.commitment) throw new VerifierError('VERIFIER_PARENT_UNAVAILABLE', `parent job ${bytesToHex(job.terms.parent!).slice(0, 16)} has no commitment`);
  const pSpec = parseSpec(new TextDecoder().decode(parent.terms.spec));
  const opening: JobOpening = {
    index: checkpointSteps(pSpec.steps, pSpec.checkpointInterval).length - 1,
    chunkRoot: parent.commitment.finalChunkRoot,
    stepHash: parent.commitment.finalStepHash,
  };
  const file = join(c.o.workDir, 'parents', `${bytesToHex(parent.id)}.state`);
  if (existsSync(file)) {
    try {
      const bytes = new Uint8Array(readFileSync(file));
      if (equalBytes(stepHash(parent.id, decodeState(bytes, layoutOfSpec(pSpec))), opening.stepHash)) return bytes;
    } catch {
      // a damaged cache file: fetch again
    }
  }
  const peers: DaPeer[] = [peer];
  if (parent.daPeer && parent.daPeer !== job.daPeer) peers.push({ peerId: parent.daPeer, addrs: parent.daAddrs });
  let lastErr: unknown;
  for (const p of peers) {
    try {
      const bytes = await c.backend.fetchCheckpoint(c.o.host, p, { jobId: parent.id, opening, spec: pSpec, signal });
      c.counters.bytesFetched += bytes.length;
      mkdirSync(join(c.o.workDir, 'parents'), { recursive: true });
      writeFileSync(`${file}.tmp`, bytes);
      renameSync(`${file}.tmp`, file);
      log.info({ parent: short(parent.id), bytes: bytes.length }, 'verifier: parent weights fetched');
      return bytes;
    } catch (e) {
      if (signal.aborted) throw e;
      lastErr = e;
    }
  }
  throw new VerifierError('VERIFIER_PARENT_UNAVAILABLE', `parent job ${short(parent.id)} final state: ${errorMessage(lastErr)}`, { cause: lastErr });
}
