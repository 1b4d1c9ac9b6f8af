import { bytesToHex, sha256 } from '../../primitives/index.ts';


/**
 * Equivocation evidence waiting to go into a block: what this node detected and what peers
 * gossiped. Entries leave when a committed block carries them, or when building a block finds them
 * stale (the offender is already jailed).
 */
export class EvidencePool {
  private readonly items = new Map<string, Uint8Array>();

  /** `check` throws unless the bytes prove an offence by a known validator (the vm's evidence rule). */
  constructor(private readonly check: (bytes: Uint8Array) => void) {}

  /** Evidence from gossip: kept only when it checks out (false tells gossip to reject it). */
  admit(bytes: Uint8Array): boolean {
    try {
      this.check(bytes);
    } catch {
      return false;
    }
    this.add(bytes);
    return true;
  }

  /** Evidence this node's own engine detected. */
  add(bytes: Uint8Array): void {
    this.items.set(keyOf(bytes), bytes);
  }

  remove(bytes: Uint8Array): void {
    this.items.delete(keyOf(bytes));
  }

  /** What the next proposal offers, in arrival order. */
  pending(): Uint8Array[] {
    return [...this.items.values()];
  }
}

function keyOf(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}
