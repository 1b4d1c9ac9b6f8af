import { decodeAddress } from '../../vm/index.ts';
import { invalidParams } from '../../rpc/index.ts';

export function parseAddress(v: string, name: string): Uint8Array {
  try {
    return decodeAddress(v);
  } catch (e) {
    throw invalidParams(`${name}: ${(e as Error).message}`);
  }
}
