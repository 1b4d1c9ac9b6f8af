// Typed errors of the det backend.
import { CodedError } from '../../primitives/index.ts';

/** A kernel that det does not own and that would compute with engine-specific or
 *  version-specific arithmetic (transcendentals, foreign reduction orders). */
export class DetUnsupportedKernelError extends CodedError<'DET_UNSUPPORTED_KERNEL'> {
  readonly kernelName: string;
  constructor(kernelName: string, detail?: string) {
    super('DET_UNSUPPORTED_KERNEL', `det backend: kernel '${kernelName}' is not supported deterministically${detail ? ` (${detail})` : ''}; ` +
      'it is outside the owned kernel set (see docs/det-backend.md) and det never falls back to tfjs arithmetic');
    this.kernelName = kernelName;
  }
}
