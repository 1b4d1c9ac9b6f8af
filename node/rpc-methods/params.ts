
import { invalidParams } from '../../rpc/index.ts';
import { decodeAddress, errorMessage } from '../../primitives/index.ts';

export function parseAddress(v: string, name: string): Uint8Array {
  try {
    return decodeAddress(v);
  } catch (e) {
    throw invalidParams(`${name}: ${errorMessage(e)}`);
  }
}
