// How large a dispute move's transaction can get besides its payload bytes (docs/disputes.md §2).
/**
 * Bytes a signed transaction needs beyond its hashes or chunk bytes: the envelope (chain id, nonce,
 * fee, key, signature) and the fixed fields of a dispute move, with Merkle proofs of up to 64
 * siblings (docs/disputes.md §2). Generous on purpose: it only refuses what could never be sent.
 */
export const MOVE_OVERHEAD_BYTES = 4096;
