// Waiting that a stop cuts short: long-running clients (solver, watchtower) back off between retries
// and must still stop at once when asked.

/** Waits `ms`; rejects with `stopped()` as soon as `signal` aborts (at once if it already has). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined, stopped: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(stopped());
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(stopped()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
