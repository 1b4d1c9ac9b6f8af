// The vm speaks VmError: the canonical codec lives in primitives/, and a decode failure is re-raised
// here with the same stable code so receipts, RPC errors and mempool rejections keep one vocabulary.
import { decodeCanonical as decodeRaw, CodecError, encode, withEncoding, type Encodable } from '../../primitives/index.ts';
import { VmError } from '../errors.ts';

export { encode, withEncoding, type Encodable };

export function decodeCanonical(bytes: Uint8Array, what = 'value'): unknown {
  try {
    return decodeRaw(bytes, what);
  } catch (e) {
    if (e instanceof CodecError) throw new VmError(e.code, e.message);
    throw e;
  }
}
