import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import type { PeerId } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import { errorMessage } from '../../primitives/index.ts';

/** The peer id a host started with `privateKeySeed: seed` will have (devnet wiring needs it up front). */
export async function peerIdFromSeed(seed: Uint8Array): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed)).toString();
}

/** Parses a peer id given by a caller; a bad one is the caller's mistake (P2P_BAD_OPTIONS). */
export function parsePeerId(peer: string): PeerId {
  try {
    return peerIdFromString(peer);
  } catch (err) {
    throw new P2pError('P2P_BAD_OPTIONS', `not a peer id: ${JSON.stringify(peer)} (${errorMessage(err)})`);
  }
}
