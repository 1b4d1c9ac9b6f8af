// Text sampled from a trained transformer with the PRF (same seed, same model, same backend: same
// samples), and its decoding with a vocabulary string. Validation loss: nextTokenEval (step.ts).
import { tf } from '../tf.ts';
import { MlError } from '../commitment/errors.ts';
import { isTransformerSpec, type TransformerSpec } from '../commitment/spec/index.ts';
import { PrfDomain, prfWords, unitFromWord } from '../commitment/prf/index.ts';
import type { TrainState } from '../commitment/state.ts';
import { checkState, type StepContext } from './step.ts';
import { transformerLogits } from './transformer.ts';

function transformerOf(tr: StepContext): TransformerSpec {
  if (!isTransformerSpec(tr.spec)) throw new MlError('SPEC_INVALID', 'sampling and next-token loss need a transformer spec');
  return tr.spec;
}

export interface SampleOptions {
  /** number of sequences */
  count: number;
  /** sampling seed (32 bytes): sequence k uses PRF stream (seed, SAMPLE, k, 0), one word per token */
  seed: Uint8Array;
  /** the first token of every sequence (default 0) */
  startToken?: number;
  /** a sequence ends when it samples this token (default 0; not included in the result) */
  stopToken?: number;
  /** most tokens per sequence (default: the context length) */
  maxTokens?: number;
}

/**
 * Sequences sampled from state `s`. All sequences advance together: at position p the model reads
 * the last `context` tokens (right-padded with the start token; causal attention never looks at
 * the padding) and token p is drawn from softmax(logits) with u = unitFromWord(word p): the first
 * id whose cumulative probability (summed in double, ids ascending) exceeds u * total.
 */
export function sampleSequences(tr: StepContext, s: TrainState, o: SampleOptions): number[][] {
  const spec = transformerOf(tr);
  checkState(tr, s);
  const { context: T, vocab: V } = spec.model;
  const start = o.startToken ?? 0, stop = o.stopToken ?? 0, max = o.maxTokens ?? T;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 4096) throw new MlError('SPEC_INVALID', `sample count ${o.count} outside 1..4096`);
  const words = Array.from({ length: o.count }, (_, k) => prfWords(o.seed, PrfDomain.SAMPLE, k, 0, 0, max));
  const seqs: number[][] = Array.from({ length: o.count }, () => [start]);
  const done = new Array<boolean>(o.count).fill(false);
  const ps = s.params.map((p, i) => tf.tensor(p, tr.shapes.params[i]!.shape));
  try {
    for (let p = 0; p < max && done.includes(false); p++) {
      const ids = new Int32Array(o.count * T).fill(start);
      const at = seqs.map((q, k) => { const w = q.slice(-T); ids.set(w, k * T); return w.length - 1; });
      const probs = tf.tidy(() => tf.softmax(transformerLogits(spec, ps, ids, null)).dataSync() as Float32Array);
      seqs.forEach((q, k) => {
        if (done[k]) return;
        const row = (k * T + at[k]!) * V;
        let total = 0;
        for (let v = 0; v < V; v++) total += probs[row + v]!;
        const target = unitFromWord(words[k]![p]!) * total;
        let c = 0, pick = V - 1;
        for (let v = 0; v < V; v++) { c += probs[row + v]!; if (c > target) { pick = v; break; } }
        if (pick === stop) done[k] = true;
        else q.push(pick);
      });
    }
  } finally {
    ps.forEach((t) => t.dispose());
  }
  return seqs.map((q) => q.slice(1));
}

/** Token ids as text: id i is vocabulary[i] (e.g. '.abcdefghijklmnopqrstuvwxyz'). Throws for an id outside it. */
export function decodeTokens(ids: readonly number[], vocabulary: string): string {
  const chars = Array.from(vocabulary);
  return ids.map((i) => {
    const c = chars[i];
    if (c === undefined) throw new MlError('DATASET_INVALID', `token ${i} is outside the vocabulary of ${chars.length} symbols`);
    return c;
  }).join('');
}
