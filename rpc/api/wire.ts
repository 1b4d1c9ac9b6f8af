// The two representations of one result shape. Shapes in this folder take a `W extends Repr`
// parameter so they are written once: handlers return them with bytes and big integers as
// Uint8Array and bigint (the server's jsonReplacer encodes those), clients receive them as strings.

/** How a shape spells its byte strings and its integers that may exceed 2^53. */
export interface Repr {
  bytes: unknown;
  big: unknown;
}

/** What goes over the wire: bytes as lowercase 0x-hex, big integers as canonical decimal strings. */
export interface Wire {
  bytes: string;
  big: string;
}

/** What a handler may return: raw values the server encodes, or hex already encoded. */
export interface Native {
  bytes: Uint8Array | string;
  big: bigint;
}
