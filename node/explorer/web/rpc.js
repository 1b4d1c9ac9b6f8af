// JSON-RPC from the page to the node that served it: calls over HTTP POST /, subscriptions over
// the /ws WebSocket (reconnecting, so a restarted node's head shows up again by itself).

/** A JSON-RPC error answer: the node's code and message, for the page to show as they are. */
export class RpcFailure extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const NOT_FOUND = -32001;

let nextId = 1;
const BATCH_MAX = 50;

/** Calls a method; resolves with its result or rejects with RpcFailure (or a network error). */
export async function call(method, params = []) {
  const res = await fetch('/', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new RpcFailure(-32603, `the node answered HTTP ${res.status} without JSON`);
  }
  if (body.error) throw new RpcFailure(body.error.code, body.error.message, body.error.data);
  return body.result;
}

/**
 * Several calls in one JSON-RPC batch (one request instead of a queue behind the browser's six
 * connections per host): resolves with results in call order; the first error rejects.
 */
export async function batch(calls) {
  if (!calls.length) return [];
  // a node takes at most 100 calls in a batch (--rpc-max-batch); larger lists go as several
  if (calls.length > BATCH_MAX) {
    const parts = [];
    for (let i = 0; i < calls.length; i += BATCH_MAX) parts.push(batch(calls.slice(i, i + BATCH_MAX)));
    return (await Promise.all(parts)).flat();
  }
  const first = nextId;
  nextId += calls.length;
  const res = await fetch('/', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map(([method, params = []], i) => ({ jsonrpc: '2.0', id: first + i, method, params }))),
  });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new RpcFailure(-32603, `the node answered HTTP ${res.status} without JSON`);
  }
  if (!Array.isArray(body)) throw new RpcFailure(body?.error?.code ?? -32603, body?.error?.message ?? 'the node did not answer the batch');
  const byId = new Map(body.map((r) => [r.id, r]));
  return calls.map((_, i) => {
    const r = byId.get(first + i);
    if (!r) throw new RpcFailure(-32603, 'the node left a call of the batch unanswered');
    if (r.error) throw new RpcFailure(r.error.code, r.error.message, r.error.data);
    return r.result;
  });
}

/**
 * Follows a topic over WebSocket: onData gets each notification, onState 'live' | 'reconnecting'.
 * Returns a function that stops following.
 */
export function follow(topic, onData, onState = () => {}) {
  let ws;
  let stopped = false;
  let delay = 500;
  const open = () => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onopen = () => {
      delay = 500;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: [topic] }));
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      if (msg.id === 1 && msg.result) onState('live');
      else if (msg.id === 1 && msg.error) onState(`subscribe failed: ${msg.error.message}`);
      else if (msg.method === 'subscription') onData(msg.params.result);
    };
    ws.onclose = () => {
      if (stopped) return;
      onState('reconnecting');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  open();
  return () => { stopped = true; ws?.close(); };
}
