
import { invalidParams } from '../../rpc/index.ts';
import { decodeAddress } from '../../primitives/index.ts';

export function parseAddress(v: string, name: string): Uint8Array {
  try {
    return decodeAddress(v);
  } catch (e) {
    throw invalidParams(`${name}: ${(e as Error).message}`);
  }
}
