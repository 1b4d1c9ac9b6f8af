// The chain's referee derives a child job's h_0 from its parent's final state exactly as the solver
// trains it (parent-weights.ts proves the state, job-training.ts takes its parameters, train-job.ts
// starts from them with zero slots) and as the committee's replay worker derives it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  batchIndices, canonicalSpecJson, createDetReferee, createTrainer, encodeSample, loadDataset, parseSpec, selectBackend, validateSpec, withSteps,
  type Checkpoint, type StepReferee,
} from '../../ml-runtime/index.ts';
import { initialStateFromParent, replaySegments } from '../jobs/index.ts';
import { ParentWeights, parentOpening } from './parent-weights.ts';
import { trainJob, type TraceSink } from './train-job.ts';
import { bytesToHex, sha256, utf8 } from '../../primitives/index.ts';

class Sink implements TraceSink {
  hashes: Uint8Array[] = [];
  cps: Checkpoint[] = [];
  addStepHash(_t: number, h: Uint8Array): void { this.hashes.push(h); }
  addCheckpoint(cp: Checkpoint): void { this.cps.push(cp); }
}

const iris = loadDataset('iris').train;
const parentSpec = withSteps(parseSpec(readFileSync(new URL('../../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), 20); // momentum
const childSpec = validateSpec({ ...parentSpec, optimizer: { type: 'adam', learningRate: 0.01 }, steps: 10, checkpointInterval: 5 });
const parentId = sha256(utf8('parent-referee/parent'));
const childId = sha256(utf8('parent-referee/child'));
const childSeed = sha256(utf8('parent-referee/child seed'));
let referee: StepReferee;

before(async () => {
  await selectBackend('det', { allowFallback: false });
  referee = createDetReferee();
});

test('referee.initialHash of a child job is the h_0 the solver commits and the replay worker derives', async () => {
  const parent = new Sink();
  const pr = await trainJob({ spec: parentSpec, dataset: iris, jobId: parentId, seed: sha256(utf8('parent-referee/parent seed')), sink: parent });
  const final = parent.cps.at(-1)!;
  assert.equal(final.step, 20);

  // the solver: prove the parent's state against its commitment, start the child from its parameters
  const w = ParentWeights.verify(parentOpening(parentId, parentSpec, { finalChunkRoot: pr.finalChunkRoot, finalStepHash: pr.finalStepHash }), final.bytes);
  assert.ok(w instanceof ParentWeights, String(w));
  const initialParams = initialStateFromParent(createTrainer(childSpec, iris, childSeed), w.bytes).params;
  const child = new Sink();
  await trainJob({ spec: childSpec, dataset: iris, jobId: childId, seed: childSeed, sink: child, initialParams });

  const specBytes = utf8(canonicalSpecJson(childSpec));
  const r = referee.initialHash({ jobId: childId, spec: specBytes, seed: childSeed, parentState: final.bytes });
  assert.equal(r.kind, 'hash', r.kind === 'hash' ? '' : r.reason);
  const h0 = (r as { hash: Uint8Array }).hash;
  assert.equal(bytesToHex(h0), bytesToHex(child.hashes[0]!));
  const own = referee.initialHash({ jobId: childId, spec: specBytes, seed: childSeed, parentState: null });
  assert.notEqual(bytesToHex((own as { hash: Uint8Array }).hash), bytesToHex(h0), 'the parent\'s weights, not the PRF\'s');

  // the committee's replay worker derives the same state_0
  const rep = await replaySegments({ specJson: canonicalSpecJson(childSpec), datasetName: 'iris', jobId: childId, seed: childSeed, parentState: final.bytes, segments: [{ segment: 0, stateBytes: null }] });
  assert.equal(bytesToHex(rep.h0), bytesToHex(h0));

  // and the child's first step, refereed from its committed state_0, is the solver's h_1
  const samples = new Map([...batchIndices(childSeed, 0, childSpec.batchSize, iris.count)].map((i) => [i, encodeSample(iris, i)] as const));
  const s1 = referee.step({ jobId: childId, spec: specBytes, seed: childSeed, datasetSize: iris.count, t: 0, state: child.cps[0]!.bytes, samples });
  assert.equal(s1.kind === 'hash' ? bytesToHex(s1.hash) : s1.reason, bytesToHex(child.hashes[1]!));
});
