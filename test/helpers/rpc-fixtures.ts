// Shared by the rpc tests: a small method set, a capturing pino logger and a raw HTTP poster.

import { pino, type Logger } from 'pino';
import { RpcError, TX_REJECTED, NOT_FOUND, parseBigIntParam, parseBlockTag, schemas } from '../../rpc/index.ts';
import type { RpcMethod } from '../../rpc/index.ts';

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => { lines.push(s); } });
  return { logger, lines };
}

export function testMethods(calls: string[] = []): RpcMethod[] {
  return [
    {
      name: 'echo', summary: 'returns its value', params: [{ name: 'value', required: true, schema: {} }], result: {},
      handler: (p: { value: unknown }) => { calls.push('echo'); return p.value; },
    },
    {
      name: 'add', summary: 'adds two integers',
      params: [
        { name: 'a', required: true, schema: { type: 'integer' } },
        { name: 'b', required: false, schema: { type: 'integer', minimum: 0, maximum: 1000 } },
      ],
      result: { type: 'integer' },
      handler: (p: { a: number; b?: number }) => { calls.push('add'); return p.a + (p.b ?? 0); },
    },
    {
      name: 'double', summary: 'doubles a decimal-string amount', params: [{ name: 'amount', required: true, schema: schemas.bigint }],
      result: schemas.bigint,
      handler: (p: { amount: string }) => parseBigIntParam(p.amount, 'amount') * 2n,
    },
    {
      name: 'getBlock', summary: 'block by tag', params: [{ name: 'tag', required: true, schema: schemas.blockTag }],
      result: { type: 'object' }, errors: [NOT_FOUND],
      handler: (p: { tag: unknown }) => {
        const t = parseBlockTag(p.tag, 'tag');
        if (t.kind === 'height' && t.height > 100) throw new RpcError(NOT_FOUND, `block ${t.height} not found`);
        return t.kind === 'hash' ? { kind: 'hash', hash: t.hash } : t;
      },
    },
    {
      name: 'submit', summary: 'rejects', params: [], result: {}, errors: [TX_REJECTED],
      handler: () => { throw new RpcError(TX_REJECTED, 'bad nonce', { expected: '5', got: '3' }); },
    },
    {
      name: 'crash', summary: 'throws a plain error', params: [], result: {},
      handler: () => { throw new Error('SECRET internal detail /home/validator/key'); },
    },
    {
      name: 'circular', summary: 'returns a value JSON cannot encode', params: [], result: {},
      handler: () => { const o: Record<string, unknown> = {}; o.self = o; return o; },
    },
    {
      name: 'obj', summary: 'object param',
      params: [{
        name: 'tx', required: true,
        schema: {
          type: 'object', required: ['to', 'nonce'], additionalProperties: false,
          properties: { to: schemas.hex(4), nonce: schemas.bigint, memo: { type: 'string', maxLength: 8 }, kind: { enum: ['a', 'b'] } },
        },
      }],
      result: { type: 'string' },
      handler: (p: { tx: { to: string } }) => p.tx.to,
    },
  ];
}

export interface RawReply { status: number; contentType: string | null; text: string; json: any }

export async function post(url: string, body: string, contentType: string | null = 'application/json'): Promise<RawReply> {
  const res = await fetch(url, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
  const text = await res.text();
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

export function req(method: string, params?: unknown, id: unknown = 1): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', method, id } : { jsonrpc: '2.0', method, params, id });
}
