// The one rule for chain ids (genesis files, dev networks, --chain-id): 1-63 characters of [a-z0-9-],
// not starting with '-'. Signed transactions carry it, so it must stay short and printable.
import { GenesisError } from './errors.ts';

export const CHAIN_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Throws GenesisError GENESIS_INVALID naming `chainId` when `id` breaks the rule. */
export function checkChainId(id: string): string {
  if (!CHAIN_ID_RE.test(id)) throw new GenesisError('GENESIS_INVALID', `chainId: ${JSON.stringify(id)} is not 1-63 characters of [a-z0-9-] starting with a letter or digit`);
  return id;
}
