// The explorer's files (node/explorer/web: plain ES modules, no build step) as the static pages the
// RPC server serves on its own origin: the page at / and /explorer, its modules under /explorer/.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StaticPage } from '../../rpc/index.ts';

export const EXPLORER_WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

/** Every file of web/ (one level of sub-folders), read once: the page is small and the node serves it from memory. */
function webFiles(dir = EXPLORER_WEB_DIR, prefix = ''): Array<{ name: string; body: Buffer }> {
  const out: Array<{ name: string; body: Buffer }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...webFiles(join(dir, e.name), `${prefix}${e.name}/`));
    else if (TYPES[extname(e.name)]) out.push({ name: prefix + e.name, body: readFileSync(join(dir, e.name)) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

let cached: StaticPage[] | undefined;

/** The explorer's routes: GET / , /explorer and /explorer/ give the page; /explorer/<file> its modules and styles. */
export function explorerPages(): StaticPage[] {
  if (cached) return cached;
  const pages: StaticPage[] = [];
  for (const f of webFiles()) {
    const contentType = TYPES[extname(f.name)]!;
    if (f.name === 'index.html') for (const path of ['/', '/explorer', '/explorer/']) pages.push({ path, contentType, body: f.body });
    else pages.push({ path: `/explorer/${f.name}`, contentType, body: f.body });
  }
  cached = pages;
  return pages;
}

/** Bytes the browser loads for a first view: the page and every module and style it serves. */
export function explorerSize(): { files: number; bytes: number } {
  const files = webFiles();
  return { files: files.length, bytes: files.reduce((n, f) => n + f.body.length, 0) };
}
