// Prints the golden transformer trace (test/helpers/transformer-golden.ts) computed on det by the
// running Node as one JSON line: the node version and the committed fields. scripts/cross-node-trace.mjs
// runs it under several Node versions.
import { selectBackend } from '../ml-runtime/index.ts';
import { runGoldenTransformer, goldenTransformerSummary } from '../test/helpers/transformer-golden.ts';

await selectBackend('det');
process.stdout.write(JSON.stringify({ node: process.version, ...goldenTransformerSummary(runGoldenTransformer()) }) + '\n');
