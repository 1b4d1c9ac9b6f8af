// Applies the tables of rules.ts to source text. Paths are relative to the repository root with '/'
// separators, so a test can plant a file that does not exist and see what the checker says.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { allowed, clockCalls, entryUnit, ioModules, nodeAllowed, pureFolders, testAlsoAllowed } from './rules.ts';

export interface SourceFile {
  path: string;
  text: string;
}

/** Every specifier a file imports or re-exports, statically or with import('literal'), type-only included. */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3]!);
  return specs;
}

export const isTestFile = (path: string): boolean => /\.test\.(ts|mts|js|mjs)$/.test(path);
const folderOf = (path: string): string => path.split('/')[0]!;
const resolveFrom = (path: string, spec: string): string => posix.normalize(posix.join(posix.dirname(path), spec));

/** The node sub-area of a file under node/: its folder, or 'node.ts' / 'index.ts' for the two root files. */
export const nodeArea = (path: string): string => path.split('/')[1]!;

function nodeEntry(area: string): string {
  return area === 'node.ts' || area === 'index.ts' ? `node/${area}` : `node/${area}/index.ts`;
}

function withinNode(path: string, spec: string, target: string): string | null {
  const from = nodeArea(path);
  const to = nodeArea(target);
  if (from === to) return null;
  if (!nodeAllowed[from]) return `${path}: node/${from} is not a known sub-area of node/ (add it to test/architecture/rules.ts and docs/architecture.md)`;
  if (!nodeAllowed[to]) return `${path} imports ${spec}: node/${to} is not a known sub-area of node/`;
  if (target !== nodeEntry(to)) return `${path} imports ${spec}: reaches inside node/${to} (import ${nodeEntry(to)})`;
  if (!isTestFile(path) && !nodeAllowed[from].includes(to)) return `${path} imports ${spec} (node/${from} may not import node/${to})`;
  return null;
}

function acrossFolders(path: string, spec: string, target: string): string | null {
  const folder = folderOf(path);
  const unit = entryUnit(target);
  if (unit === null) return `${path} imports ${spec}: reaches inside ${folderOf(target)}/ (import its index.ts)`;
  const may = [...(allowed[folder] ?? []), ...(isTestFile(path) ? (testAlsoAllowed[folder] ?? []) : [])];
  if (may.includes('*') || may.includes(unit)) return null;
  return `${path} imports ${spec} (${folder} may not import ${unit})`;
}

/** Rules 1-3 and 6: folder direction, public surfaces only, node sub-areas, the commitment floor, IO in the core. */
export function importViolations(path: string, text: string): string[] {
  const bad: string[] = [];
  const folder = folderOf(path);
  if (!allowed[folder]) return [`${path}: folder ${folder}/ has no rules (add it to test/architecture/rules.ts)`];
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) {
      if (pureFolders.includes(folder) && !isTestFile(path) && ioModules.test(spec)) bad.push(`${path} imports IO module ${spec} into pure ${folder}/`);
      continue;
    }
    const target = resolveFrom(path, spec);
    let v: string | null = null;
    if (folderOf(target) !== folder) v = acrossFolders(path, spec, target);
    else if (folder === 'node') v = withinNode(path, spec, target);
    else if (path.startsWith('ml-runtime/commitment/') && !target.startsWith('ml-runtime/commitment/')) {
      v = `${path} imports ${spec}: ml-runtime/commitment may not load the training part of ml-runtime`;
    }
    if (v) bad.push(v);
  }
  return bad;
}

/** Drops comments so that a sentence about Date.now() is not a call of it. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Rule 5: no clocks, timers or randomness in the non-test code of the pure folders. */
export function clockViolations(path: string, text: string): string[] {
  if (!pureFolders.includes(folderOf(path)) || isTestFile(path)) return [];
  return [...code(text).matchAll(clockCalls)].map((m) => `${path} calls ${m[0].replace(/\s+/g, ' ')} in pure ${folderOf(path)}/`);
}

/** Rule 4: import cycles between files (relative imports, type-only included), each as a -> b -> ... -> a. */
export function findCycles(files: SourceFile[]): string[] {
  const graph = new Map<string, string[]>();
  for (const f of files) graph.set(f.path, []);
  for (const f of files) {
    for (const spec of importsOf(f.text)) {
      if (!spec.startsWith('.')) continue;
      const t = resolveFrom(f.path, spec);
      if (graph.has(t) && !graph.get(f.path)!.includes(t)) graph.get(f.path)!.push(t);
    }
  }
  // Tarjan's strongly connected components; a component of two or more files (or a self-import) has a cycle
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    if (scc.size > 1 || graph.get(v)!.includes(v)) cycles.push(cycleThrough(v, scc, graph).join(' -> '));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One concrete cycle from `start` back to it inside its component (breadth-first, so a shortest one). */
function cycleThrough(start: string, scc: Set<string>, graph: Map<string, string[]>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v)!) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The checked sources: every code file under the folders that have rules. */
export function sourcesOf(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push({ path: relative(root, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  for (const folder of Object.keys(allowed)) {
    try {
      if (statSync(join(root, folder)).isDirectory()) walk(join(root, folder));
    } catch {
      // a folder with rules that this tree does not have
    }
  }
  return out;
}
