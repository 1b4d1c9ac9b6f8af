// Enforces DESIGN.md section 2 and docs/architecture.md: dependencies point one way, each folder (and
// each sub-area of node/) is reached only through its public surface, no file imports itself in a
// circle, and the pure core does no IO and reads no clock. Rules: test/architecture/rules.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clockViolations, findCycles, importViolations, sourcesOf, type SourceFile } from './architecture/check.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tree = sourcesOf(root);

// Planted sources are built at run time so that this file does not itself contain the imports it plants.
const from = (spec: string): string => `import { x } from '${spec}';`;
const typeFrom = (spec: string): string => `import type { X } from '${spec}';`;
const bad = (path: string, text: string): number => importViolations(path, text).length;

test('the tree follows the import rules (folders, public surfaces, node sub-areas, tests, bench, bin)', () => {
  assert.ok(tree.length > 100, `only ${tree.length} sources found under ${root}`);
  assert.ok(tree.some((f) => f.path.startsWith('bench/')) && tree.some((f) => f.path.startsWith('bin/')) && tree.some((f) => f.path.startsWith('test/')));
  assert.deepEqual(tree.flatMap((f) => importViolations(f.path, f.text)), []);
});

test('the tree has no import cycles', () => {
  assert.deepEqual(findCycles(tree), []);
});

test('the pure core calls no clock, timer or randomness', () => {
  assert.deepEqual(tree.flatMap((f) => clockViolations(f.path, f.text)), []);
});

test('the checker itself catches a wrong-way import and an IO import in the core', () => {
  assert.equal(bad('vm/x.ts', from('../node/index.ts')), 1);
  assert.equal(bad('vm/x.ts', "import { Level } from 'level';"), 1);
  assert.equal(bad('vm/x.ts', `export * from '../ml-runtime/commitment/index.ts';`), 0);
  assert.equal(bad('consensus/y.ts', `const m = await import('${'../rpc/index.ts'}');`), 1);
  assert.equal(bad('ml-runtime/z.ts', `import '${'../vm/side-effect.ts'}';`), 1);
});

test('rule 1: primitives is the floor, the commitment part loads no training code, the vm loads only the commitment part', () => {
  assert.equal(bad('primitives/a.ts', from('../ml-runtime/index.ts')), 1);
  assert.equal(bad('ml-runtime/train/a.ts', from('../../primitives/index.ts')), 0);
  assert.equal(bad('ml-runtime/commitment/a.ts', from('../train/index.ts')), 1);
  assert.equal(bad('ml-runtime/commitment/spec/a.ts', typeFrom('../../det/index.ts')), 1);
  assert.equal(bad('ml-runtime/commitment/a.ts', from('./schedule.ts')), 0);
  for (const folder of ['vm', 'consensus', 'genesis']) {
    assert.equal(bad(`${folder}/a.ts`, from('../ml-runtime/index.ts')), 1, folder);
    assert.equal(bad(`${folder}/a.ts`, from('../ml-runtime/det/index.ts')), 1, folder);
    assert.equal(bad(`${folder}/a.ts`, from('../ml-runtime/commitment/index.ts')), 0, folder);
  }
  assert.equal(bad('node/jobs/a.ts', from('../../ml-runtime/index.ts')), 0);
  assert.equal(bad('rpc/a.ts', from('../vm/index.ts')), 1);
});

test('rule 2: another folder is reached only through its index.ts; bench, bin and scripts are checked', () => {
  assert.equal(bad('consensus/a.ts', from('../vm/jobs/digest.ts')), 1);
  assert.equal(bad('node/jobs/a.ts', typeFrom('../../ml-runtime/commitment/schedule.ts')), 1);
  assert.equal(bad('bench/a.ts', from('../node/node.ts')), 1);
  assert.equal(bad('bench/a.ts', from('../node/index.ts')), 0);
  assert.equal(bad('bench/a.ts', from('../test/helpers/chain-fixtures.ts')), 0);
  assert.equal(bad('bench/a.ts', from('../ml-runtime/tf.ts')), 1);
  assert.equal(bad('bin/a.mjs', `await import('${'../node/cli/main.ts'}');`), 0);
  assert.equal(bad('bin/a.mjs', from('../node/index.ts')), 1);
  assert.equal(bad('scripts/a.ts', from('../vm/index.ts')), 0);
  assert.equal(bad('scripts/a.ts', from('../vm/jobs/digest.ts')), 1);
  assert.equal(bad('test/helpers/a.ts', from('../../rpc/encoding.ts')), 1);
  assert.equal(bad('elsewhere/a.ts', from('./b.ts')), 1);
});

test('rule 3: node sub-areas import each other only as the table allows, through index.ts', () => {
  // the solver is a client: RPC and libp2p only
  for (const area of ['storage', 'mempool', 'bft', 'producer', 'rpc-methods', 'verifier', 'config']) {
    assert.equal(bad('node/solver/a.ts', from(`../${area}/index.ts`)), 1, area);
  }
  assert.equal(bad('node/solver/a.ts', from('../node.ts')), 1);
  assert.equal(bad('node/solver/a.ts', from('../jobs/index.ts')), 0);
  assert.equal(bad('node/solver/a.ts', from('../p2p/index.ts')), 0);
  // the consensus driver does not reach up into the CLI; the floor imports no sub-area
  assert.equal(bad('node/bft/a.ts', from('../cli/index.ts')), 1);
  assert.equal(bad('node/bft/a.ts', from('../util/index.ts')), 0);
  assert.equal(bad('node/util/a.ts', from('../storage/index.ts')), 1);
  // public surfaces only, and unknown sub-areas are reported
  assert.equal(bad('node/bft/a.ts', from('../util/progress.ts')), 1);
  assert.equal(bad('node/node.ts', from('./bft/tx-gossip.ts')), 1);
  assert.equal(bad('node/gossip/a.ts', from('./b.ts')), 0);
  assert.equal(bad('node/gossip/a.ts', from('../util/index.ts')), 1);
  // the composition roots
  assert.equal(bad('node/cli/commands/a.ts', from('../../solver/index.ts')), 0);
  assert.equal(bad('node/node.ts', from('./solver/index.ts')), 1);
  assert.equal(bad('node/index.ts', from('./node.ts')), 0);
});

test('rule 4: an import cycle is found, type-only imports included', () => {
  const files: SourceFile[] = [
    { path: 'node/jobs/a.ts', text: typeFrom('./b.ts') },
    { path: 'node/jobs/b.ts', text: from('./c.ts') },
    { path: 'node/jobs/c.ts', text: `export { y } from '${'./a.ts'}';` },
    { path: 'node/jobs/d.ts', text: from('./a.ts') },
  ];
  assert.deepEqual(findCycles(files), ['node/jobs/a.ts -> node/jobs/b.ts -> node/jobs/c.ts -> node/jobs/a.ts']);
  assert.deepEqual(findCycles(files.slice(1)), []);
  assert.deepEqual(findCycles([{ path: 'vm/s.ts', text: from('./s.ts') }]), ['vm/s.ts -> vm/s.ts']);
});

test('rule 5: no clocks, timers or randomness in the pure folders (tests and comments aside)', () => {
  for (const call of ['Date.now()', 'new Date(0)', 'setTimeout(f, 1)', 'setInterval(f, 1)', 'performance.now()', 'Math.random()']) {
    for (const path of ['primitives/a.ts', 'ml-runtime/commitment/a.ts', 'ml-runtime/train/a.ts', 'vm/a.ts', 'consensus/a.ts']) {
      assert.equal(clockViolations(path, `const t = ${call};`).length, 1, `${call} in ${path}`);
    }
    assert.equal(clockViolations('vm/a.test.ts', `const t = ${call};`).length, 0);
    assert.equal(clockViolations('node/a.ts', `const t = ${call};`).length, 0);
  }
  assert.equal(clockViolations('vm/a.ts', '// never Date.now(): the block time comes in the header\n/* nor Math.random() */').length, 0);
});

test('rule 6: tests import their own folder freely, test/helpers, and other folders through index.ts', () => {
  assert.equal(bad('vm/jobs/a.test.ts', from('../../test/helpers/job-test-chain.ts')), 0);
  assert.equal(bad('vm/jobs/a.ts', from('../../test/helpers/job-test-chain.ts')), 1);
  assert.equal(bad('vm/jobs/a.test.ts', from('../state/smt.ts')), 0);
  assert.equal(bad('vm/jobs/a.test.ts', from('../../ml-runtime/det/index.ts')), 0);
  assert.equal(bad('vm/jobs/a.test.ts', from('../../ml-runtime/tf.ts')), 1);
  assert.equal(bad('vm/jobs/a.test.ts', from('../../node/index.ts')), 1);
  assert.equal(bad('test/a.test.ts', from('../vm/jobs/challenge.ts')), 1);
  assert.equal(bad('test/a.test.ts', from('../node/storage/index.ts')), 0);
  assert.equal(bad('node/solver/a.test.ts', from('../node.ts')), 0);
  assert.equal(bad('node/solver/a.test.ts', from('../cli/main.ts')), 1);
  assert.equal(bad('node/solver/a.test.ts', from('../../vm/jobs/digest.ts')), 1);
});
