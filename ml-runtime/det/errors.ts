// Typed errors of the det backend.

/** A kernel that det does not own and that would compute with engine-specific or
 *  version-specific arithmetic (transcendentals, foreign reduction orders). */
export class DetUnsupportedKernelError extends Error {
  readonly code = 'DET_UNSUPPORTED_KERNEL' as const;
  readonly kernelName: string;
  constructor(kernelName: string, detail?: string) {
    super(`det backend: kernel '${kernelName}' is not supported deterministically${detail ? ` (${detail})` : ''}; ` +
      'it is outside the owned kernel set (see docs/det-backend.md) and det never falls back to tfjs arithmetic');
    this.name = 'DetUnsupportedKernelError';
    this.kernelName = kernelName;
  }
}
