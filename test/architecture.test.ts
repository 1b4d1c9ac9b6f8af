// Enforces DESIGN.md section 2: dependencies point one way, and the pure core does no IO.
//   ml-runtime <- vm <- consensus <- node -> rpc,   genesis -> vm
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Which top-level folders each folder may import from (besides itself). */
export const allowed: Record<string, string[]> = {
  primitives: [],
  'ml-runtime': ['primitives'],
  vm: ['ml-runtime', 'primitives'],
  consensus: ['vm', 'ml-runtime', 'primitives'],
  genesis: ['vm', 'ml-runtime', 'primitives'],
  rpc: ['primitives'],
  node: ['consensus', 'vm', 'ml-runtime', 'genesis', 'rpc', 'primitives'],
};

/** Modules the pure core may not load: storage, network, servers, filesystem, clocks of the OS. */
const ioModules = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|tls|child_process|readline)$|^(level|classic-level|fastify|@fastify\/.*|ws|pino|libp2p|@libp2p\/.*|@chainsafe\/.*)$/;
const pureFolders = ['primitives', 'ml-runtime', 'vm', 'consensus'];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3]!);
  return specs;
}

export function violations(folder: string, file: string, text: string): string[] {
  const bad: string[] = [];
  const isTest = file.endsWith('.test.ts');
  for (const spec of importsOf(text)) {
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec)).split(sep)[0]!;
      if (target === folder) continue;
      if (isTest && (target === 'test')) continue;
      if (!(allowed[folder] ?? []).includes(target)) bad.push(`${relative(root, file)} imports ${spec} (${folder} -> ${target})`);
    } else if (pureFolders.includes(folder) && !isTest && ioModules.test(spec)) {
      bad.push(`${relative(root, file)} imports IO module ${spec} into pure ${folder}/`);
    }
  }
  return bad;
}

test('imports follow the dependency direction of DESIGN.md section 2', () => {
  const bad: string[] = [];
  for (const folder of Object.keys(allowed)) {
    let files: string[] = [];
    try { files = sources(join(root, folder)); } catch { continue; }
    for (const f of files) bad.push(...violations(folder, f, readFileSync(f, 'utf8')));
  }
  assert.deepEqual(bad, []);
});

test('the checker itself catches a wrong-way import and an IO import in the core', () => {
  const fake = join(root, 'vm', 'x.ts');
  assert.equal(violations('vm', fake, "import { Node } from '../node/index.ts';").length, 1);
  assert.equal(violations('vm', fake, "import { Level } from 'level';").length, 1);
  assert.equal(violations('vm', fake, "export * from '../ml-runtime/index.ts';").length, 0);
  assert.equal(violations('consensus', join(root, 'consensus', 'y.ts'), "const m = await import('../rpc/index.ts');").length, 1);
  assert.equal(violations('ml-runtime', join(root, 'ml-runtime', 'z.ts'), "import '../vm/side-effect.ts';").length, 1);
});
