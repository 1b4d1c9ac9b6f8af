// Builds the OpenRPC 1.2 document served by rpc.discover from the method descriptors.

import { errorCodes, STANDARD_ERRORS, type ErrorCodeInfo } from './errors.ts';
import type { RpcMethod } from './types.ts';

export interface OpenRpcInfo {
  title: string;
  version: string;
  description?: string;
}

export const OPENRPC_VERSION = '1.2.6';

export interface OpenRpcDocument {
  openrpc: string;
  info: OpenRpcInfo;
  servers?: { name: string; url: string }[];
  methods: unknown[];
  components: { errors: Record<string, { code: number; message: string }> };
}

export function buildOpenRpcDocument(methods: RpcMethod[], info: OpenRpcInfo, servers: { name: string; url: string }[] = []): OpenRpcDocument {
  const all: ErrorCodeInfo[] = errorCodes();
  const byCode = new Map(all.map((e) => [e.code, e]));
  const components: Record<string, { code: number; message: string }> = {};
  for (const [name, code] of Object.entries(STANDARD_ERRORS)) components[name] = { code, message: name.toLowerCase().replace(/_/g, ' ') };
  for (const e of all) components[e.name] = { code: e.code, message: e.description };
  return {
    openrpc: OPENRPC_VERSION,
    info: { ...info },
    ...(servers.length ? { servers } : {}),
    methods: [...methods].sort((a, b) => a.name.localeCompare(b.name)).map((m) => {
      const out: Record<string, unknown> = {
        name: m.name,
        summary: m.summary,
        paramStructure: 'either',
        params: m.params.map((p) => ({
          name: p.name,
          required: p.required,
          ...(p.description ? { description: p.description } : {}),
          schema: p.schema,
        })),
        result: { name: 'result', schema: m.result },
      };
      if (m.description) out.description = m.description;
      const errs = (m.errors ?? []).map((c) => byCode.get(c)).filter((e): e is ErrorCodeInfo => !!e);
      if (errs.length) out.errors = errs.map((e) => ({ $ref: `#/components/errors/${e.name}` }));
      return out;
    }),
    components: { errors: components },
  };
}
