// A reusable progress line on stderr: "label [#####-----] 120/500 24% 35.1 it/s ETA 0:11 loss=0.41".
// On a TTY it redraws one line (throttled); otherwise it prints a line at most every `intervalMs`.

export interface ProgressOptions {
  /** total units of work (steps, blocks, bytes); 0 or undefined = unknown (no bar, no ETA) */
  total?: number;
  label?: string;
  /** unit name for the rate, e.g. "steps" -> "steps/s" */
  unit?: string;
  /** output stream (default process.stderr) */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** minimum ms between redraws (default 100 on a TTY, 2000 otherwise) */
  intervalMs?: number;
  /** bar width in characters (default 24) */
  width?: number;
  /** clock in ms (default performance.now), injectable for tests */
  now?: () => number;
  /** force TTY / non-TTY behaviour */
  tty?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}

export class Progress {
  private readonly total: number;
  private readonly label: string;
  private readonly unit: string;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly width: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private done = 0;
  private fields: Record<string, string | number> = {};
  private finished = false;
  private lastDrawnDone = -1;

  constructor(opts: ProgressOptions = {}) {
    this.total = opts.total ?? 0;
    this.label = opts.label ?? '';
    this.unit = opts.unit ?? 'it';
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? Boolean(this.stream.isTTY);
    this.intervalMs = opts.intervalMs ?? (this.tty ? 100 : 2000);
    this.width = opts.width ?? 24;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Sets the amount done (absolute) and extra fields shown after the rate (e.g. { loss: 0.41 }). */
  update(done: number, fields?: Record<string, string | number>): void {
    this.done = done;
    if (fields) this.fields = { ...this.fields, ...fields };
    const t = this.now();
    if (t - this.lastDraw >= this.intervalMs || (this.total > 0 && done >= this.total)) {
      this.lastDraw = t;
      this.draw(false);
    }
  }

  /** Adds `n` to the amount done. */
  tick(n = 1, fields?: Record<string, string | number>): void {
    this.update(this.done + n, fields);
  }

  /** The current line's text (no control characters). */
  line(): string {
    const elapsed = (this.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    if (this.total > 0) {
      const frac = Math.min(1, this.done / this.total);
      const filled = Math.round(frac * this.width);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}]`);
      parts.push(`${this.done}/${this.total}`, `${Math.floor(frac * 100)}%`);
    } else {
      parts.push(String(this.done));
    }
    parts.push(`${formatRate(rate)} ${this.unit}/s`);
    if (this.total > 0) parts.push(`ETA ${rate > 0 ? formatDuration((this.total - this.done) / rate) : '--:--'}`);
    else parts.push(`elapsed ${formatDuration(elapsed)}`);
    for (const [k, v] of Object.entries(this.fields)) parts.push(`${k}=${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v}`);
    return parts.join(' ');
  }

  private draw(final: boolean): void {
    const text = this.line();
    if (final && !this.tty && this.done === this.lastDrawnDone) return;
    this.lastDrawnDone = this.done;
    if (this.tty) this.stream.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
    else this.stream.write(`${text}\n`);
  }

  /** Draws the final state and ends the line. */
  finish(fields?: Record<string, string | number>): void {
    if (this.finished) return;
    this.finished = true;
    if (fields) this.fields = { ...this.fields, ...fields };
    this.draw(true);
  }

  /** Seconds since creation. */
  elapsedSeconds(): number {
    return (this.now() - this.start) / 1000;
  }
}
