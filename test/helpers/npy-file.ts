// Test support: builds .npy files (format 1.0) the way numpy.save writes them.
const enc = (s: string) => new TextEncoder().encode(s);

/** An .npy file (version 1.0) of a C-order array. */
export function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  out.set(enc(h), 10);
  out.set(data, 10 + h.length);
  return out;
}
