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
