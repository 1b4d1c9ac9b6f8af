// A strict parser of the Prometheus text exposition format 0.0.4 (what prom-client writes and
// promtool checks): every line is a HELP, a TYPE, another comment, a blank, or a sample; a family's
// samples are contiguous and after its TYPE; histogram buckets are cumulative and end at +Inf =
// _count. Any deviation throws with the line number, so a test reading /metrics through it fails
// on malformed output, not only on a missing name.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface Family { name: string; type: MetricType; help?: string; samples: Sample[] }

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case
// (prom-client writes "Nan" for NaN).
const VALUE = /^(?:[+-]?(?:inf|infinity)|nan|[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?[ \\t]+(\\S+)(?:[ \\t]+(-?\\d+))?$`);
const PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);
const TYPES: MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function parseLabels(s: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = s;
  while (rest.length) {
    const m = PAIR.exec(rest);
    if (!m) throw new Error(`${where}: bad label set {${s}}`);
    if (Object.hasOwn(out, m[1]!)) throw new Error(`${where}: label ${m[1]} twice`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length) throw new Error(`${where}: expected , between labels in {${s}}`);
  }
  return out;
}

const num = (v: string): number => {
  const l = v.toLowerCase().replace(/^\+/, '');
  if (l === 'nan') return NaN;
  if (l === 'inf' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return Number(v);
};

/** The family a sample name belongs to, given its type (histograms and summaries add suffixes). */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>(); // families whose samples have ended
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, arg = ''] = m as unknown as [string, string, string, string?];
      let f = families.get(name);
      if (closed.has(name) || (f && f.samples.length)) throw new Error(`${where}: ${kind} for ${name} after its samples`);
      if (!f) { f = { name, type: 'untyped', samples: [] }; families.set(name, f); }
      if (kind === 'TYPE') {
        if (!TYPES.includes(arg as MetricType)) throw new Error(`${where}: unknown type ${arg}`);
        f.type = arg as MetricType;
      } else {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f.help = arg;
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m || !VALUE.test(m[3]!)) throw new Error(`${where}: not a sample: ${line.slice(0, 120)}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    let f = familyOf(name, families);
    if (!f) { f = { name, type: 'untyped', samples: [] }; families.set(name, f); }
    if (closed.has(f.name)) throw new Error(`${where}: samples of ${f.name} are not contiguous`);
    if (current && current !== f) closed.add(current.name);
    current = f;
    f.samples.push({ name, labels: labelText ? parseLabels(labelText, where) : {}, value: num(value) });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  const keyOf = (l: Record<string, string>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
  for (const s of f.samples) {
    if (s.name !== `${f.name}_bucket`) continue;
    if (s.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
    series.set(keyOf(s.labels), [...(series.get(keyOf(s.labels)) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    let prev = -Infinity; let count = -Infinity;
    for (const b of buckets) {
      const le = num(b.labels.le!);
      if (!(le > prev)) throw new Error(`${f.name}${key}: le not increasing`);
      if (b.value < count) throw new Error(`${f.name}${key}: buckets not cumulative`);
      prev = le; count = b.value;
    }
    if (prev !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    const total = f.samples.find((s) => s.name === `${f.name}_count` && keyOf(s.labels) === key);
    if (!total || total.value !== count) throw new Error(`${f.name}${key}: _count differs from the +Inf bucket`);
    if (!f.samples.some((s) => s.name === `${f.name}_sum` && keyOf(s.labels) === key)) throw new Error(`${f.name}${key}: no _sum`);
  }
}
