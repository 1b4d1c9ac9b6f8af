// The shape of the code as data (docs/architecture.md says the same in words). The checker in
// check.ts applies these tables; test/architecture.test.ts runs it over the tree.

/**
 * Public surfaces: the only files another folder (or another node sub-area) may import, by unit name.
 * ml-runtime has three: everything (index.ts), the pure commitment part the vm may load, and the det
 * backend, which ml-runtime/index.ts loads lazily because a build may lack it (benchmarks and tests
 * reach it directly). bin starts the CLI through main.ts alone, so a command loads only what it uses.
 */
export function entryUnit(path: string): string | null {
  const p = path.split('/');
  if (p[0] === 'test' && p[1] === 'helpers') return 'test/helpers';
  if (path === 'ml-runtime/commitment/index.ts') return 'ml-runtime/commitment';
  if (path === 'ml-runtime/det/index.ts') return 'ml-runtime/det';
  if (path === 'node/cli/main.ts') return 'node/cli/main';
  if (p[0] === 'node' && p.length === 3 && p[2] === 'index.ts') return `node/${p[1]}`;
  if (p.length === 2 && p[1] === 'index.ts') return p[0]!;
  return null;
}

const FLOOR = ['primitives'];
const COMMITMENT = [...FLOOR, 'ml-runtime/commitment'];

/**
 * Which public surfaces each top-level folder may import (its own files it imports freely).
 * 'node/*' is any node sub-area's index.ts; '*' is any public surface.
 */
export const allowed: Record<string, string[]> = {
  primitives: [],
  'ml-runtime': FLOOR,
  vm: COMMITMENT,
  consensus: [...COMMITMENT, 'vm'],
  genesis: [...COMMITMENT, 'vm'],
  rpc: FLOOR,
  node: [...COMMITMENT, 'ml-runtime', 'vm', 'consensus', 'genesis', 'rpc'],
  client: [...COMMITMENT, 'vm', 'rpc'],
  test: ['*'],
  bench: ['*'],
  bin: ['node/cli/main'],
  scripts: ['*'],
};

/**
 * What a test file may import besides what its folder may: test support, and in the floors under
 * node the training part of ml-runtime (a vm test may pin its rules against the det runtime).
 */
export const testAlsoAllowed: Record<string, string[]> = {
  primitives: ['test/helpers'],
  'ml-runtime': ['test/helpers'],
  vm: ['test/helpers', 'ml-runtime', 'ml-runtime/det'],
  consensus: ['test/helpers', 'ml-runtime', 'ml-runtime/det'],
  genesis: ['test/helpers', 'ml-runtime', 'ml-runtime/det'],
  rpc: ['test/helpers'],
  node: ['test/helpers'],
};

/**
 * Sub-areas of node/ and which other sub-areas each may import (through their index.ts; node.ts is
 * its own entry). `util` is the floor. The solver and the watchtower are client applications: they
 * reach nodes only over JSON-RPC (their chain clients, rpc/) and libp2p (p2p, and the DA client in
 * jobs), never the node's storage, mempool, consensus driver, producer, RPC methods, verifier, config
 * or node.ts, nor each other.
 * Tests inside node/ may import any sub-area through its entry.
 */
export const nodeAllowed: Record<string, string[]> = {
  util: [],
  config: ['util'],
  keystore: ['util'],
  storage: ['util'],
  mempool: ['util'],
  p2p: ['util'],
  metrics: ['util'],
  explorer: [],
  chain: ['storage', 'mempool', 'util'],
  producer: ['chain', 'storage', 'mempool', 'util'],
  bft: ['chain', 'producer', 'p2p', 'storage', 'mempool', 'util'],
  'rpc-methods': ['chain', 'storage', 'mempool', 'util'],
  jobs: ['p2p', 'util'],
  verifier: ['jobs', 'p2p', 'util'],
  solver: ['jobs', 'p2p', 'keystore', 'util'],
  watchtower: ['jobs', 'p2p', 'keystore', 'util'],
  'node.ts': ['bft', 'chain', 'config', 'explorer', 'jobs', 'keystore', 'mempool', 'metrics', 'p2p', 'producer', 'rpc-methods', 'storage', 'util', 'verifier'],
  cli: ['node.ts', 'bft', 'chain', 'config', 'explorer', 'jobs', 'keystore', 'mempool', 'metrics', 'p2p', 'producer', 'rpc-methods', 'solver', 'storage', 'util', 'verifier', 'watchtower'],
  // node/index.ts: the node's surface for code outside node/
  'index.ts': ['node.ts'],
};

/** Folders whose non-test code is pure: no IO modules, no clocks, timers or randomness. */
export const pureFolders = ['primitives', 'ml-runtime', 'vm', 'consensus'];

/** Modules the pure core may not load: storage, network, servers, filesystem, clocks of the OS. */
export const ioModules = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|tls|child_process|readline)$|^(level|classic-level|fastify|@fastify\/.*|ws|pino|libp2p|@libp2p\/.*|@chainsafe\/.*)$/;

/** Clocks, timers and randomness: a pure function's result must not depend on when or how often it runs. */
export const clockCalls = /\b(Date\.now|performance\.now|Math\.random|setTimeout|setInterval)\s*\(|\bnew\s+Date\s*\(/g;
