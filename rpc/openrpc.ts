// Builds the OpenRPC 1.2 document served by rpc.discover from the method descriptors.

import { errorCodes, STANDARD_ERRORS, type ErrorCodeInfo } from './errors.ts';
import type { JsonSchema } from './schema.ts';
import type { RpcMethod } from './types.ts';

export interface OpenRpcInfo {
  title: string;
  version: string;
  description?: string;
}

export const OPENRPC_VERSION = '1.2.6';

/** One method of the document (paramStructure "either": params by position or by name). */
export interface OpenRpcMethod {
  name: string;
  summary: string;
  paramStructure: 'either';
  params: Array<{ name: string; required: boolean; description?: string; schema: JsonSchema }>;
  result: { name: 'result'; schema: JsonSchema };
  description?: string;
  errors?: Array<{ $ref: string }>;
}

export interface OpenRpcDocument {
  openrpc: string;
  info: OpenRpcInfo;
  servers?: { name: string; url: string }[];
  methods: OpenRpcMethod[];
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
      const out: OpenRpcMethod = {
        name: m.name,
        summary: m.summary,
        paramStructure: 'either',
        params: m.params.map((p) => ({
          name: p.name,
          required: p.required,
          ...(p.description ? { description: p.description } : {}),
          schema: p.schema,
        })),
        result: { name: 'result' as const, schema: m.result },
      };
      if (m.description) out.description = m.description;
      const errs = (m.errors ?? []).map((c) => byCode.get(c)).filter((e): e is ErrorCodeInfo => !!e);
      if (errs.length) out.errors = errs.map((e) => ({ $ref: `#/components/errors/${e.name}` }));
      return out;
    }),
    components: { errors: components },
  };
}
