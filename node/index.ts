// Public surface of node/ for tests, benchmarks and tools outside it: the node itself. Each sub-area
// (node/<area>/index.ts) is a public surface of its own; the CLI (node/cli) composes them.
export { PolchainNode, type NodeOptions } from './node.ts';
