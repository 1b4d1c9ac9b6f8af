// Text output of the wallet commands: aligned "label  value" rows a person reads (--json is for scripts).
import { NodeError } from '../util/index.ts';
import { decodeAddress, encodeAddress, errorMessage } from '../../primitives/index.ts';

/** Rows of `label  value`; a value with several lines continues under the first. */
export function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, v]) => `${l.padEnd(w)}  ${v.split('\n').join('\n' + ' '.repeat(w + 2))}`).join('\n');
}

/** A positional ADDR checked here, so that a typo is a usage error and not a round trip to the node. */
export function addressArg(s: string): string {
  try {
    return encodeAddress(decodeAddress(s));
  } catch (e) {
    throw new NodeError('USAGE', `"${s}" is not an address: ${errorMessage(e)} (a pol1... address; \`polchain keys list\` shows yours)`);
  }
}
