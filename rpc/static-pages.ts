// Static files served beside JSON-RPC on the same origin (the node's explorer): GET only, each
// path registered once, with a validator (ETag) so a reload costs a 304, and headers that keep a
// page from being framed or sniffed. The rpc folder only serves bytes; the node decides what.

import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';

export interface StaticPage {
  /** e.g. '/', '/explorer', '/explorer/app.js' */
  path: string;
  contentType: string;
  body: Uint8Array | string;
}

/** Same-origin only: scripts, styles and connections (HTTP and the /ws WebSocket) to this server. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function registerStaticPages(app: FastifyInstance, pages: readonly StaticPage[]): void {
  const seen = new Set<string>();
  for (const page of pages) {
    if (!page.path.startsWith('/') || seen.has(page.path)) throw new Error(`static page path ${JSON.stringify(page.path)} must start with / and be unique`);
    seen.add(page.path);
    const body = typeof page.body === 'string' ? Buffer.from(page.body, 'utf8') : Buffer.from(page.body);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    app.get(page.path, async (req, reply) => {
      reply.header('etag', etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
      if (req.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.code(200).type(page.contentType).send(body);
    });
  }
}
