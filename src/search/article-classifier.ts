import { z } from 'zod';
import { TopK } from './top-k.js';

/** One training example: an embedded title or alternative question and the article it belongs to. */
export interface LabelledVector {
  label: string;
  vector: Float32Array;
}

export interface TrainingOptions {
  /** Ridge penalty, relative to the mean squared input length (inputs are centred and scaled). */
  ridge?: number;
}

const DEFAULT_RIDGE = 0.05;
/** Softmax temperatures tried; the one with the best leave-one-out log-likelihood is kept. */
const TEMPERATURES = [2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100];
/** Examples whose leave-one-out scores choose the temperature (all of them in small knowledge bases). */
const TEMPERATURE_SAMPLE = 1500;
/**
 * Fewer when there are many articles: each sampled example is scored against every article
 * (sample × articles × dimension multiply-adds, and an exp per article and temperature), which
 * at 10,000 articles was most of a retraining. One scalar needs far fewer than 1,500 examples.
 */
const TEMPERATURE_SCORES = 3_000_000;

/** What is persisted with the index (JSON): weights, bias and the centring used at training time. */
export const classifierJsonSchema = z.object({
  version: z.literal(1),
  labels: z.array(z.string()),
  dimension: z.number().int().positive(),
  mean: z.array(z.number()),
  scale: z.number().positive(),
  temperature: z.number().positive(),
  weights: z.array(z.number()),
  bias: z.array(z.number()),
});

export type ClassifierJson = z.infer<typeof classifierJsonSchema>;

/**
 * A per-knowledge-base linear classifier over sentence embeddings: one linear score per article,
 * softmax over articles (a multinomial model; see `train` for how it is fitted).
 *
 * Why a linear head on top of nearest-passage similarity: an article's alternative questions
 * say what customers mean by it, and a linear model learns which directions of the embedding
 * separate this article from its neighbours (e.g. "invoice" vs "billing address"), where a
 * nearest-neighbour match only sees the single closest phrasing. The inputs are centred (the
 * mean training vector subtracted) because sentence embeddings of one model share a large common
 * component (e5's cosines sit at 0.7–0.9) that carries no information about the article.
 */
export class ArticleClassifier {
  private constructor(
    readonly labels: readonly string[],
    readonly dimension: number,
    private readonly mean: Float32Array,
    private readonly scale: number,
    private readonly weights: Float32Array,
    private readonly bias: Float32Array,
    private readonly temperature: number,
  ) {}

  private positions: Map<string, number> | undefined;

  /**
   * Trains on the examples; deterministic and closed-form, so it takes well under a second for a
   * few hundred articles and seconds for a thousand.
   *
   * Why ridge least squares and not logistic regression by gradient descent: both give one linear
   * score per article, but gradient descent needs dozens of passes over N × D × K multiply-adds
   * (measured here: 10.7 s for 48 articles / 1,150 examples, a minute for 1,000 articles), while
   * ridge solves one D × D system (D = 384) for all articles at once. The scores are turned into
   * probabilities by a softmax whose temperature maximises the leave-one-out likelihood (exact
   * leave-one-out predictions come free with ridge regression), so the probabilities reflect how
   * the classifier does on questions it has not seen, not on its training questions.
   */
  static train(examples: readonly LabelledVector[], options: TrainingOptions = {}): ArticleClassifier {
    return ArticleClassifier.fit(examples, options, undefined).classifier;
  }

  /**
   * `train`, but XᵀX (N × D² multiply-adds, the largest part of a retraining at 10,000 articles)
   * comes from `gram` = Σ v vᵀ of the raw example vectors when given, instead of a pass over every
   * example; returns that sum of the examples too, for the next retraining (see `updateGram`).
   * Same classifier up to rounding (the centred product is formed from the raw sums).
   */
  static trainWithGram(examples: readonly LabelledVector[], gram: Float64Array | undefined, options: TrainingOptions = {}): { classifier: ArticleClassifier; gram: Float64Array } {
    const fitted = ArticleClassifier.fit(examples, options, gram);
    return { classifier: fitted.classifier, gram: fitted.gram ?? new Float64Array(0) };
  }

  private static fit(examples: readonly LabelledVector[], options: TrainingOptions, givenGram: Float64Array | undefined): { classifier: ArticleClassifier; gram: Float64Array | undefined } {
    const labels = [...new Set(examples.map((e) => e.label))].sort();
    const dimension = examples[0]?.vector.length ?? 0;
    if (labels.length === 0 || dimension === 0) {
      return { classifier: new ArticleClassifier(labels, dimension, new Float32Array(dimension), 1, new Float32Array(0), new Float32Array(labels.length), 1), gram: undefined };
    }
    const D = dimension;
    const K = labels.length;
    const classOf = new Map(labels.map((label, i) => [label, i]));
    const n = examples.length;
    const mean = new Float32Array(D);
    for (const e of examples) for (let d = 0; d < D; d++) mean[d]! += e.vector[d]! / n;
    // Scale so centred inputs have unit length on average: one ridge penalty fits every model.
    let sq = 0;
    for (const e of examples) for (let d = 0; d < D; d++) sq += (e.vector[d]! - mean[d]!) ** 2;
    const scale = 1 / Math.sqrt(Math.max(sq / n, 1e-12));
    // The centred, scaled inputs x_i = s(v_i − μ), each row computed where it is used: all of them
    // at once would be n × D doubles (153 MB at 50,000 examples, held during every training).
    const centre = (i: number, out: Float64Array, offset: number) => {
      const v = examples[i]!.vector;
      for (let d = 0; d < D; d++) out[offset + d] = (v[d]! - mean[d]!) * scale;
    };
    const y = Int32Array.from(examples, (e) => classOf.get(e.label)!);

    // A = XᵀX + λI (upper triangle then mirrored), B = XᵀY with one-hot Y minus class priors.
    const prior = new Float64Array(K);
    for (let i = 0; i < n; i++) prior[y[i]!]! += 1 / n;
    // G = Σ v vᵀ of the raw vectors: given (saved by the last training and updated), or summed here.
    const gram = givenGram ?? ArticleClassifier.updateGram(new Float64Array(D * D), examples.map((e) => e.vector), 1);
    // σ = Σv of the raw vectors. XᵀX of the centred, scaled inputs from the raw sums:
    // s²(G − μσᵀ − σμᵀ + nμμᵀ).
    const sum = new Float64Array(D);
    for (const e of examples) for (let d = 0; d < D; d++) sum[d]! += e.vector[d]!;
    const a = new Float64Array(D * D);
    for (let r = 0; r < D; r++) {
      for (let c = r; c < D; c++) {
        a[r * D + c] = scale * scale * (gram[r * D + c]! - mean[r]! * sum[c]! - sum[r]! * mean[c]! + n * mean[r]! * mean[c]!);
      }
    }
    const lambda = (options.ridge ?? DEFAULT_RIDGE) * (n / D);
    for (let r = 0; r < D; r++) {
      a[r * D + r]! += lambda;
      for (let c = r + 1; c < D; c++) a[c * D + r] = a[r * D + c]!;
    }
    // X is centred, so Xᵀ(Y − prior) = XᵀY: each example adds itself to its article's column.
    const b = new Float64Array(D * K);
    const row = new Float64Array(D);
    for (let i = 0; i < n; i++) {
      const k = y[i]!;
      centre(i, row, 0);
      for (let d = 0; d < D; d++) b[d * K + k]! += row[d]!;
    }
    const chol = cholesky(a, D);
    const w = solveCholesky(chol, D, b, K); // D × K

    // Exact leave-one-out scores: (s_i − h_i·t_i) / (1 − h_i), with h_i = x_iᵀ A⁻¹ x_i = |L⁻¹x_i|²,
    // on an evenly spread sample of examples (enough to choose one temperature).
    const sampleSize = Math.min(TEMPERATURE_SAMPLE, Math.max(200, Math.floor(TEMPERATURE_SCORES / K)));
    const step = Math.max(1, Math.floor(n / sampleSize));
    const sample: number[] = [];
    for (let i = 0; i < n; i += step) sample.push(i);
    const sampled = new Float64Array(sample.length * D);
    sample.forEach((i, row) => centre(i, sampled, row * D));
    const z = new Float64Array(D);
    const h = new Float64Array(sample.length);
    sample.forEach((_, row) => {
      const o = row * D;
      let hi = 0;
      for (let r = 0; r < D; r++) {
        let sum = sampled[o + r]!;
        for (let c = 0; c < r; c++) sum -= chol[r * D + c]! * z[c]!;
        z[r] = sum / chol[r * D + r]!;
        hi += z[r]! * z[r]!;
      }
      h[row] = hi;
    });
    // All articles' scores at once (see `sampleScores`), each then turned into its leave-one-out score.
    const scores = sampleScores(sampled, D, w, K);
    for (let row = 0; row < sample.length; row++) {
      const i = sample[row]!;
      const hi = h[row]!;
      for (let k = 0; k < K; k++) {
        const target = (k === y[i] ? 1 : 0) - prior[k]!;
        scores[row * K + k] = (scores[row * K + k]! - hi * target) / Math.max(1 - hi, 1e-6);
      }
    }
    let temperature = TEMPERATURES[0]!;
    let bestLikelihood = -Infinity;
    // max_k t·s_k is t·max_k s_k to the bit (rounding a product is monotonic for t > 0): one pass
    // per sampled example instead of one per example and temperature.
    const rowMax = new Float64Array(sample.length).fill(-Infinity);
    for (let row = 0; row < sample.length; row++) for (let k = 0; k < K; k++) rowMax[row] = Math.max(rowMax[row]!, scores[row * K + k]!);
    for (const t of TEMPERATURES) {
      let likelihood = 0;
      for (let row = 0; row < sample.length; row++) {
        const i = row;
        const max = t * rowMax[row]!;
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(t * scores[i * K + k]! - max);
        likelihood += t * scores[i * K + y[sample[row]!]!]! - max - Math.log(sum);
      }
      if (likelihood > bestLikelihood) {
        bestLikelihood = likelihood;
        temperature = t;
      }
    }
    const weights = new Float32Array(K * D);
    for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) weights[k * D + d] = w[d * K + k]!;
    return { classifier: new ArticleClassifier(labels, D, mean, scale, weights, new Float32Array(K), temperature), gram };
  }

  /**
   * Adds (`sign` 1) or removes (−1) examples' outer products v vᵀ to a `gram` (upper triangle,
   * D × D); returns it. Four vectors per pass over the sums: the sums (D × D doubles, 1.2 MB) are
   * read and written a quarter as often, which was most of the time of this product at 10,000
   * articles (50,000 examples).
   */
  static updateGram(gram: Float64Array, vectors: readonly Float32Array[], sign: 1 | -1): Float64Array {
    const D = Math.round(Math.sqrt(gram.length));
    let i = 0;
    for (; i + 4 <= vectors.length; i += 4) {
      const [v0, v1, v2, v3] = [vectors[i]!, vectors[i + 1]!, vectors[i + 2]!, vectors[i + 3]!];
      for (let r = 0; r < D; r++) {
        const x0 = sign * v0[r]!;
        const x1 = sign * v1[r]!;
        const x2 = sign * v2[r]!;
        const x3 = sign * v3[r]!;
        const row = r * D;
        for (let c = r; c < D; c++) gram[row + c]! += x0 * v0[c]! + x1 * v1[c]! + x2 * v2[c]! + x3 * v3[c]!;
      }
    }
    for (; i < vectors.length; i++) {
      const v = vectors[i]!;
      for (let r = 0; r < D; r++) {
        const vr = sign * v[r]!;
        const row = r * D;
        for (let c = r; c < D; c++) gram[row + c]! += vr * v[c]!;
      }
    }
    return gram;
  }

  /**
   * Probability per article label (sums to 1); empty when the classifier has no classes. Read
   * through `ArticleProbabilities`, not a Map filled for every article: at 10,000 articles the
   * Map and the entries its readers walked were ~1 MB of garbage and ~1.5 ms of every question.
   */
  predict(vector: Float32Array): ArticleProbabilities {
    const classes = this.labels.length;
    if (classes === 0 || vector.length !== this.dimension) return new ArticleProbabilities(this.labels, this.labelIndex(), new Float64Array(0));
    const x = new Float32Array(this.dimension);
    for (let d = 0; d < this.dimension; d++) x[d] = (vector[d]! - this.mean[d]!) * this.scale;
    const logits = new Float64Array(classes);
    const D = this.dimension;
    const weights = this.weights;
    // Eight articles per pass over the input: independent sums keep the CPU's adders busy where
    // one waited for the last addition (10,000 articles: one at a time ~6 ms per question, four
    // ~3.3–4.2 ms, eight ~3.0–3.4 ms on random weights; bench/results/2026-12-07-round15.md). Each
    // sum still adds its terms in the same order: the same logits to the bit.
    let c = 0;
    const { bias } = this;
    for (; c + 8 <= classes; c += 8) {
      let z0 = bias[c]!;
      let z1 = bias[c + 1]!;
      let z2 = bias[c + 2]!;
      let z3 = bias[c + 3]!;
      let z4 = bias[c + 4]!;
      let z5 = bias[c + 5]!;
      let z6 = bias[c + 6]!;
      let z7 = bias[c + 7]!;
      const w0 = c * D;
      const w1 = w0 + D;
      const w2 = w1 + D;
      const w3 = w2 + D;
      const w4 = w3 + D;
      const w5 = w4 + D;
      const w6 = w5 + D;
      const w7 = w6 + D;
      for (let d = 0; d < D; d++) {
        const xd = x[d]!;
        z0 += weights[w0 + d]! * xd;
        z1 += weights[w1 + d]! * xd;
        z2 += weights[w2 + d]! * xd;
        z3 += weights[w3 + d]! * xd;
        z4 += weights[w4 + d]! * xd;
        z5 += weights[w5 + d]! * xd;
        z6 += weights[w6 + d]! * xd;
        z7 += weights[w7 + d]! * xd;
      }
      logits[c] = z0;
      logits[c + 1] = z1;
      logits[c + 2] = z2;
      logits[c + 3] = z3;
      logits[c + 4] = z4;
      logits[c + 5] = z5;
      logits[c + 6] = z6;
      logits[c + 7] = z7;
    }
    for (; c < classes; c++) {
      let z = this.bias[c]!;
      const w = c * D;
      for (let d = 0; d < D; d++) z += weights[w + d]! * x[d]!;
      logits[c] = z;
    }
    let max = -Infinity;
    for (let k = 0; k < classes; k++) {
      const z = logits[k]! * this.temperature;
      logits[k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += logits[k] = Math.exp(logits[k]! - max);
    for (let k = 0; k < classes; k++) logits[k] = logits[k]! / sum;
    return new ArticleProbabilities(this.labels, this.labelIndex(), logits);
  }

  /** Label → position in `labels` (made at the first prediction, kept: ~0.5 MB at 10,000 articles). */
  private labelIndex(): ReadonlyMap<string, number> {
    this.positions ??= new Map(this.labels.map((label, k) => [label, k]));
    return this.positions;
  }

  toJSON(): ClassifierJson {
    return { ...this.toJSONWithoutWeights(), weights: Array.from(this.weights) };
  }

  /**
   * `toJSON` but the weights as a copy of the float32 array: for files that store them as bytes
   * (10,000 articles: 3.8 million weights; a JS number array of them is ~30 MB of heap and time).
   */
  toJSONParts(): { json: Omit<ClassifierJson, 'weights'>; weights: Float32Array } {
    return { json: this.toJSONWithoutWeights(), weights: this.weights.slice() };
  }

  private toJSONWithoutWeights(): Omit<ClassifierJson, 'weights'> {
    return {
      version: 1,
      labels: [...this.labels],
      dimension: this.dimension,
      mean: Array.from(this.mean),
      scale: this.scale,
      temperature: this.temperature,
      bias: Array.from(this.bias),
    };
  }

  /** The inverse of `toJSONParts` (the weights are copied); throws on inconsistent sizes like `fromJSON`. */
  static fromJSONParts(json: Omit<ClassifierJson, 'weights'>, weights: Float32Array): ArticleClassifier {
    // fromJSON only reads the length and items of `weights` (it copies them into a Float32Array),
    // so the typed array stands in for the number[] without a 3.8-million-element JS array.
    return ArticleClassifier.fromJSON({ ...json, weights: weights as unknown as number[] });
  }

  static fromJSON(json: ClassifierJson): ArticleClassifier {
    if (json.mean.length !== json.dimension || json.weights.length !== json.labels.length * json.dimension || json.bias.length !== json.labels.length) {
      throw new Error('classifier file has inconsistent sizes');
    }
    return new ArticleClassifier(json.labels, json.dimension, Float32Array.from(json.mean), json.scale, Float32Array.from(json.weights), Float32Array.from(json.bias), json.temperature);
  }
}

/** Cholesky factor L (lower, row-major) of a symmetric positive definite n × n matrix. */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * n + j]!;
    }
  }
  return l;
}

/**
 * Columns of `solveCholesky` and `sampleScores` worked on together: the rows of such a panel stay
 * in the CPU's L2 cache (384 rows × 256 columns of doubles: 768 KB) through all the passes over
 * them. Columns are independent, so the results do not depend on the width.
 */
const SOLVE_PANEL = 256;
const SCORE_PANEL = 1024;

/**
 * Solves (L Lᵀ) X = B for X (n × m, row-major), m being the number of articles. Row operations
 * over a panel of columns at once (in sequence in memory), the panel kept in cache through the
 * forward and the backward pass; forward, four rows take four finished rows per pass over the
 * panel, backward, one row takes four (a row's values are read and written a quarter as often).
 * Every element subtracts the same products in the same order as one element at a time (k
 * ascending: `a − p0 − p1 − p2 − p3` is `(((a − p0) − p1) − p2) − p3`), then divides, so the
 * result is the same to the bit. At 10,000 articles (n = 384): ~3.3 s before this blocking, ~1.1 s
 * with it (bench/results/2026-12-06-round6-incremental.md).
 */
function solveCholesky(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const x = Float64Array.from(b);
  for (let c0 = 0; c0 < m; c0 += SOLVE_PANEL) {
    const c1 = Math.min(m, c0 + SOLVE_PANEL);
    // Forward: L Z = B, row i takes Σ_{k<i} l_ik z_k; four rows take the rows before their block
    // four at a time, then each finishes with the rows of its own block.
    for (let first = 0; first < n; first += 4) {
      const last = Math.min(first + 4, n);
      if (last - first === 4) {
        const z0 = first * m;
        const z1 = z0 + m;
        const z2 = z1 + m;
        const z3 = z2 + m;
        const r0 = first * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        let k = 0;
        for (; k + 4 <= first; k += 4) {
          const a0 = l[r0 + k]!, a1 = l[r0 + k + 1]!, a2 = l[r0 + k + 2]!, a3 = l[r0 + k + 3]!;
          const b0 = l[r1 + k]!, b1 = l[r1 + k + 1]!, b2 = l[r1 + k + 2]!, b3 = l[r1 + k + 3]!;
          const e0 = l[r2 + k]!, e1 = l[r2 + k + 1]!, e2 = l[r2 + k + 2]!, e3 = l[r2 + k + 3]!;
          const f0 = l[r3 + k]!, f1 = l[r3 + k + 1]!, f2 = l[r3 + k + 2]!, f3 = l[r3 + k + 3]!;
          const k0 = k * m;
          const k1 = k0 + m;
          const k2 = k1 + m;
          const k3 = k2 + m;
          for (let c = c0; c < c1; c++) {
            const v0 = x[k0 + c]!, v1 = x[k1 + c]!, v2 = x[k2 + c]!, v3 = x[k3 + c]!;
            x[z0 + c] = x[z0 + c]! - a0 * v0 - a1 * v1 - a2 * v2 - a3 * v3;
            x[z1 + c] = x[z1 + c]! - b0 * v0 - b1 * v1 - b2 * v2 - b3 * v3;
            x[z2 + c] = x[z2 + c]! - e0 * v0 - e1 * v1 - e2 * v2 - e3 * v3;
            x[z3 + c] = x[z3 + c]! - f0 * v0 - f1 * v1 - f2 * v2 - f3 * v3;
          }
        }
        for (; k < first; k++) {
          const a0 = l[r0 + k]!, b0 = l[r1 + k]!, e0 = l[r2 + k]!, f0 = l[r3 + k]!;
          const k0 = k * m;
          for (let c = c0; c < c1; c++) {
            const v = x[k0 + c]!;
            x[z0 + c]! -= a0 * v;
            x[z1 + c]! -= b0 * v;
            x[z2 + c]! -= e0 * v;
            x[z3 + c]! -= f0 * v;
          }
        }
      } else {
        for (let i = first; i < last; i++) {
          const zi = i * m;
          for (let k = 0; k < first; k++) {
            const lik = l[i * n + k]!;
            const zk = k * m;
            for (let c = c0; c < c1; c++) x[zi + c]! -= lik * x[zk + c]!;
          }
        }
      }
      for (let i = first; i < last; i++) {
        const zi = i * m;
        for (let k = first; k < i; k++) {
          const lik = l[i * n + k]!;
          const zk = k * m;
          for (let c = c0; c < c1; c++) x[zi + c]! -= lik * x[zk + c]!;
        }
        const diagonal = l[i * n + i]!;
        for (let c = c0; c < c1; c++) x[zi + c]! /= diagonal;
      }
    }
    // Backward: Lᵀ X = Z, row i (last first) takes Σ_{k>i} l_ki x_k, k ascending, four at a time.
    for (let i = n - 1; i >= 0; i--) {
      const xi = i * m;
      let k = i + 1;
      for (; k + 4 <= n; k += 4) {
        const l0 = l[k * n + i]!, l1 = l[(k + 1) * n + i]!, l2 = l[(k + 2) * n + i]!, l3 = l[(k + 3) * n + i]!;
        const k0 = k * m;
        const k1 = k0 + m;
        const k2 = k1 + m;
        const k3 = k2 + m;
        for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! - l0 * x[k0 + c]! - l1 * x[k1 + c]! - l2 * x[k2 + c]! - l3 * x[k3 + c]!;
      }
      for (; k < n; k++) {
        const lki = l[k * n + i]!;
        const xk = k * m;
        for (let c = c0; c < c1; c++) x[xi + c]! -= lki * x[xk + c]!;
      }
      const diagonal = l[i * n + i]!;
      for (let c = c0; c < c1; c++) x[xi + c]! /= diagonal;
    }
  }
  return x;
}

/**
 * x_i · w_k for every sampled example i (the rows of `x`, D wide) and article k (columns of the D × K
 * weights `w`): sample × K sums, row-major. A panel of articles at a time (its weights stay in
 * cache for every sample), four samples by four dimensions per pass over the panel: each sum
 * still adds x_id·w_dk for d ascending from 0 (`s + p0 + p1 + p2 + p3` is `(((s + p0) + p1) + p2)
 * + p3`), the same value to the bit as one product at a time. At 10,000 articles (304 samples):
 * ~2.5 s before this blocking (four samples per pass over all weights), ~1.0 s with it.
 */
function sampleScores(x: Float64Array, D: number, w: Float64Array, K: number): Float64Array {
  const samples = x.length / D;
  const out = new Float64Array(samples * K);
  for (let k0 = 0; k0 < K; k0 += SCORE_PANEL) {
    const k1 = Math.min(K, k0 + SCORE_PANEL);
    for (let first = 0; first < samples; first += 4) {
      if (first + 4 > samples) {
        for (let row = first; row < samples; row++) {
          const o = row * D;
          const s = row * K;
          for (let d = 0; d < D; d++) {
            const xd = x[o + d]!;
            const wd = d * K;
            for (let k = k0; k < k1; k++) out[s + k]! += xd * w[wd + k]!;
          }
        }
        continue;
      }
      const s0 = first * K;
      const s1 = s0 + K;
      const s2 = s1 + K;
      const s3 = s2 + K;
      const o0 = first * D;
      const o1 = o0 + D;
      const o2 = o1 + D;
      const o3 = o2 + D;
      let d = 0;
      for (; d + 4 <= D; d += 4) {
        const a0 = x[o0 + d]!, a1 = x[o0 + d + 1]!, a2 = x[o0 + d + 2]!, a3 = x[o0 + d + 3]!;
        const b0 = x[o1 + d]!, b1 = x[o1 + d + 1]!, b2 = x[o1 + d + 2]!, b3 = x[o1 + d + 3]!;
        const e0 = x[o2 + d]!, e1 = x[o2 + d + 1]!, e2 = x[o2 + d + 2]!, e3 = x[o2 + d + 3]!;
        const f0 = x[o3 + d]!, f1 = x[o3 + d + 1]!, f2 = x[o3 + d + 2]!, f3 = x[o3 + d + 3]!;
        const w0 = d * K;
        const w1 = w0 + K;
        const w2 = w1 + K;
        const w3 = w2 + K;
        for (let k = k0; k < k1; k++) {
          const v0 = w[w0 + k]!, v1 = w[w1 + k]!, v2 = w[w2 + k]!, v3 = w[w3 + k]!;
          out[s0 + k] = out[s0 + k]! + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
          out[s1 + k] = out[s1 + k]! + b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
          out[s2 + k] = out[s2 + k]! + e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3;
          out[s3 + k] = out[s3 + k]! + f0 * v0 + f1 * v1 + f2 * v2 + f3 * v3;
        }
      }
      for (; d < D; d++) {
        const a0 = x[o0 + d]!, b0 = x[o1 + d]!, e0 = x[o2 + d]!, f0 = x[o3 + d]!;
        const wd = d * K;
        for (let k = k0; k < k1; k++) {
          const v = w[wd + k]!;
          out[s0 + k]! += a0 * v;
          out[s1 + k]! += b0 * v;
          out[s2 + k]! += e0 * v;
          out[s3 + k]! += f0 * v;
        }
      }
    }
  }
  return out;
}

/**
 * One prediction: a probability per label, in the classifier's label order. Reads like a
 * `ReadonlyMap` from label to probability (`get`, `size`, iteration in label order), and `top`
 * picks the most probable labels without building an entry per article.
 */
export class ArticleProbabilities implements Iterable<[string, number]> {
  constructor(
    private readonly labels: readonly string[],
    private readonly positions: ReadonlyMap<string, number>,
    private readonly values: Float64Array,
  ) {}

  get size(): number {
    return this.values.length;
  }

  get(label: string): number | undefined {
    const k = this.positions.get(label);
    return k === undefined || k >= this.values.length ? undefined : this.values[k];
  }

  /**
   * The `k` most probable labels, most probable first; equal probabilities in label order. The
   * same as a stable sort of all entries cut to `k` (at 10,000 articles sorting them all was ~6 ms of every question).
   */
  top(k: number): [string, number][] {
    const best = new TopK(k);
    for (let c = 0; c < this.values.length; c++) best.offer(c, this.values[c]!);
    return best.hits().map(({ id, score }) => [this.labels[id]!, score]);
  }

  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let c = 0; c < this.values.length; c++) yield [this.labels[c]!, this.values[c]!];
  }
}

/** Vectors whose outer products are added to and removed from the sums given to a training. */
export interface GramChanges {
  add: readonly Float32Array[];
  remove: readonly Float32Array[];
}

/** A copy of `gram` with `changes` applied: the additions first, then the removals (on a worker thread or not, the same sums to the bit). */
export function changedGram(gram: Float64Array, changes: GramChanges): Float64Array {
  return ArticleClassifier.updateGram(ArticleClassifier.updateGram(Float64Array.from(gram), changes.add, 1), changes.remove, -1);
}
