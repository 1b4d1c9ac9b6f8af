/**
 * What the request/response server and client share: protocol ids and the response frame,
 * [varint len][status byte][body], written with encodeVarint and read with readFrame (framing.ts).
 */
import type { Stream } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import { encodeVarint, type Chunk } from './framing.ts';
import { checkProtocolName, protocolId } from './limits.ts';

/** Built-in request/response protocol every host serves; its presence in identify marks the chain. */
export const STATUS_PROTOCOL = 'status';

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;
export const MAX_ERROR_MESSAGE = 512;

/** The protocol id of a request/response name on our chain; a bad name is P2P_BAD_OPTIONS. */
export function checkedProtocolId(chainId: string, name: string): string {
  if (typeof name !== 'string' || !checkProtocolName(name)) {
    throw new P2pError('P2P_BAD_OPTIONS', `protocol name must be lowercase path segments, got ${JSON.stringify(name)}`);
  }
  return protocolId(chainId, name);
}

/** Sends the parts in order (no copying), waiting for the stream to drain when it asks to. */
export async function sendAll(stream: Stream, parts: Uint8Array[], signal?: AbortSignal): Promise<void> {
  for (const p of parts) {
    if (p.byteLength === 0) continue;
    if (!stream.send(p)) await stream.onDrain({ signal });
  }
}

/** A response frame: [varint len][status byte][body]. */
export function statusFrame(status: number, body: Uint8Array): Uint8Array[] {
  return [encodeVarint(body.byteLength + 1), Uint8Array.of(status), body];
}

/** libp2p streams iterate Uint8ArrayList from a nested package version; framing only needs subarray(). */
export function chunks(stream: Stream): AsyncIterable<Chunk> {
  return stream as unknown as AsyncIterable<Chunk>;
}
