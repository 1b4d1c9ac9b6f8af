// Turns libp2p's refusal to listen (a multi-line message with advice about its own configuration and
// the stack frames of every address) into one P2pError that says which address failed and what to do.
import { createServer } from 'node:net';
import { P2pError } from './errors.ts';

const WHY: Record<string, (addr: string, port: string) => string> = {
  EADDRINUSE: (a, p) => `cannot listen on ${a}: port ${p} is already in use; stop the process that holds it or choose another port with --p2p-listen`,
  EADDRNOTAVAIL: (a) => `cannot listen on ${a}: that host is not an address of this machine; choose another with --p2p-listen`,
  EACCES: (a, p) => `cannot listen on ${a}: permission denied for port ${p} (ports below 1024 need privileges); choose another with --p2p-listen`,
};

/**
 * libp2p keeps each address's error only as text, so the cause is found again by binding each TCP
 * address once more with node:net (libp2p has released them by now) and reading the OS error code.
 */
export async function listenFailure(listen: string[], err: unknown): Promise<P2pError> {
  for (const addr of listen) {
    const m = /^\/ip([46])\/([^/]+)\/tcp\/(\d+)/.exec(addr);
    if (!m || m[3] === '0') continue;
    const code = await bindError(m[2]!, Number(m[3]));
    const why = code !== undefined ? WHY[code] : undefined;
    if (why) return new P2pError('P2P_LISTEN_FAILED', why(addr, m[3]!), { cause: err });
  }
  return new P2pError('P2P_LISTEN_FAILED', `cannot listen on ${listen.join(', ')} (run with --debug for libp2p's reason); check --p2p-listen`, { cause: err });
}

function bindError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
