
import { invalidParams, type JsonSchema } from '../../rpc/index.ts';
import { decodeAddress } from '../../primitives/index.ts';

export const addressSchema: JsonSchema = { type: 'string', pattern: '^pol1[02-9ac-hj-np-z]{38,90}$', description: 'bech32m account address (pol1...)' };

export function parseAddress(v: string, name: string): Uint8Array {
  try {
    return decodeAddress(v);
  } catch (e) {
    throw invalidParams(`${name}: ${(e as Error).message}`);
  }
}
