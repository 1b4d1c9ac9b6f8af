// Param schemas shared by several methods of the table, typed with what they admit.

import { schemas } from '../encoding.ts';
import { typed } from './define.ts';

export const addressSchema = typed<string>({ type: 'string', pattern: '^pol1[02-9ac-hj-np-z]{38,90}$', description: 'bech32m account address (pol1...)' });
export const hashSchema = typed<string>(schemas.hash);
export const bytesSchema = typed<string>(schemas.bytes);
export const blockTagSchema = typed<number | string>(schemas.blockTag);
export const jobIdSchema = typed<string>({ ...schemas.hash, description: 'job id: the hash of its JobSubmit transaction (32 bytes, lowercase 0x-hex)' });
