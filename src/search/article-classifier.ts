import { z } from 'zod';

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
    const x = new Float64Array(n * D);
    examples.forEach((e, i) => {
      for (let d = 0; d < D; d++) x[i * D + d] = (e.vector[d]! - mean[d]!) * scale;
    });
    const y = Int32Array.from(examples, (e) => classOf.get(e.label)!);

    // A = XᵀX + λI (upper triangle then mirrored), B = XᵀY with one-hot Y minus class priors.
    const prior = new Float64Array(K);
    for (let i = 0; i < n; i++) prior[y[i]!]! += 1 / n;
    // Four examples per pass over A: A (D × D doubles, 1.2 MB) is read and written a quarter as
    // often, which was most of the time of this product at 10,000 articles (50,000 examples).
    const a = new Float64Array(D * D);
    let i = 0;
    // σ = Σv of the raw vectors: links XᵀX of the centred inputs and G = Σ v vᵀ both ways.
    const sum = new Float64Array(D);
    for (const e of examples) for (let d = 0; d < D; d++) sum[d]! += e.vector[d]!;
    if (givenGram !== undefined) {
      // XᵀX of the centred, scaled inputs from the raw sums: s²(G − μσᵀ − σμᵀ + nμμᵀ).
      for (let r = 0; r < D; r++) {
        for (let c = r; c < D; c++) {
          a[r * D + c] = scale * scale * (givenGram[r * D + c]! - mean[r]! * sum[c]! - sum[r]! * mean[c]! + n * mean[r]! * mean[c]!);
        }
      }
      i = n;
    }
    for (; i + 4 <= n; i += 4) {
      const o0 = i * D;
      const o1 = o0 + D;
      const o2 = o1 + D;
      const o3 = o2 + D;
      for (let r = 0; r < D; r++) {
        const x0 = x[o0 + r]!;
        const x1 = x[o1 + r]!;
        const x2 = x[o2 + r]!;
        const x3 = x[o3 + r]!;
        const row = r * D;
        for (let c = r; c < D; c++) a[row + c]! += x0 * x[o0 + c]! + x1 * x[o1 + c]! + x2 * x[o2 + c]! + x3 * x[o3 + c]!;
      }
    }
    for (; i < n; i++) {
      const o = i * D;
      for (let r = 0; r < D; r++) {
        const xr = x[o + r]!;
        const row = r * D;
        for (let c = r; c < D; c++) a[row + c]! += xr * x[o + c]!;
      }
    }
    // Σ v vᵀ of the raw vectors for the next retraining, from XᵀX (the inverse of the formula above).
    let gram: Float64Array | undefined;
    if (givenGram !== undefined) gram = givenGram;
    else {
      gram = new Float64Array(D * D);
      for (let r = 0; r < D; r++) {
        for (let c = r; c < D; c++) {
          gram[r * D + c] = a[r * D + c]! / (scale * scale) + mean[r]! * sum[c]! + sum[r]! * mean[c]! - n * mean[r]! * mean[c]!;
        }
      }
    }
    const lambda = (options.ridge ?? DEFAULT_RIDGE) * (n / D);
    for (let r = 0; r < D; r++) {
      a[r * D + r]! += lambda;
      for (let c = r + 1; c < D; c++) a[c * D + r] = a[r * D + c]!;
    }
    // X is centred, so Xᵀ(Y − prior) = XᵀY: each example adds itself to its article's column.
    const b = new Float64Array(D * K);
    for (let i = 0; i < n; i++) {
      const o = i * D;
      const k = y[i]!;
      for (let d = 0; d < D; d++) b[d * K + k]! += x[o + d]!;
    }
    const chol = cholesky(a, D);
    const w = solveCholesky(chol, D, b, K); // D × K

    // Exact leave-one-out scores: (s_i − h_i·t_i) / (1 − h_i), with h_i = x_iᵀ A⁻¹ x_i = |L⁻¹x_i|²,
    // on an evenly spread sample of examples (enough to choose one temperature).
    const sampleSize = Math.min(TEMPERATURE_SAMPLE, Math.max(200, Math.floor(TEMPERATURE_SCORES / K)));
    const step = Math.max(1, Math.floor(n / sampleSize));
    const sample: number[] = [];
    for (let i = 0; i < n; i += step) sample.push(i);
    const scores = new Float64Array(sample.length * K);
    const z = new Float64Array(D);
    const h = new Float64Array(sample.length);
    sample.forEach((i, row) => {
      const o = i * D;
      let hi = 0;
      for (let r = 0; r < D; r++) {
        let sum = x[o + r]!;
        for (let c = 0; c < r; c++) sum -= chol[r * D + c]! * z[c]!;
        z[r] = sum / chol[r * D + r]!;
        hi += z[r]! * z[r]!;
      }
      h[row] = hi;
    });
    // All articles' scores at once, reading the D × K weights row by row (in sequence), for four
    // sampled examples per pass over the weights (30 MB at 10,000 articles: read a quarter as
    // often). Each score adds the same products in the same order as one example at a time.
    const s = Array.from({ length: 4 }, () => new Float64Array(K));
    for (let first = 0; first < sample.length; first += 4) {
      const rows = Math.min(4, sample.length - first);
      for (const sums of s) sums.fill(0);
      if (rows === 4) {
        const [s0, s1, s2, s3] = s as [Float64Array, Float64Array, Float64Array, Float64Array];
        const o0 = sample[first]! * D;
        const o1 = sample[first + 1]! * D;
        const o2 = sample[first + 2]! * D;
        const o3 = sample[first + 3]! * D;
        for (let d = 0; d < D; d++) {
          const x0 = x[o0 + d]!;
          const x1 = x[o1 + d]!;
          const x2 = x[o2 + d]!;
          const x3 = x[o3 + d]!;
          const wd = d * K;
          for (let k = 0; k < K; k++) {
            const wk = w[wd + k]!;
            s0[k]! += x0 * wk;
            s1[k]! += x1 * wk;
            s2[k]! += x2 * wk;
            s3[k]! += x3 * wk;
          }
        }
      } else {
        for (let j = 0; j < rows; j++) {
          const o = sample[first + j]! * D;
          const sums = s[j]!;
          for (let d = 0; d < D; d++) {
            const xd = x[o + d]!;
            const wd = d * K;
            for (let k = 0; k < K; k++) sums[k]! += xd * w[wd + k]!;
          }
        }
      }
      for (let j = 0; j < rows; j++) {
        const row = first + j;
        const i = sample[row]!;
        const sums = s[j]!;
        const hi = h[row]!;
        for (let k = 0; k < K; k++) {
          const target = (k === y[i] ? 1 : 0) - prior[k]!;
          scores[row * K + k] = (sums[k]! - hi * target) / Math.max(1 - hi, 1e-6);
        }
      }
    }
    let temperature = TEMPERATURES[0]!;
    let bestLikelihood = -Infinity;
    for (const t of TEMPERATURES) {
      let likelihood = 0;
      for (let row = 0; row < sample.length; row++) {
        const i = row;
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, t * scores[i * K + k]!);
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

  /** Adds (`sign` 1) or removes (−1) examples' outer products v vᵀ to a `gram` (upper triangle, D × D). */
  static updateGram(gram: Float64Array, vectors: readonly Float32Array[], sign: 1 | -1): void {
    const D = Math.round(Math.sqrt(gram.length));
    for (const v of vectors) {
      for (let r = 0; r < D; r++) {
        const vr = sign * v[r]!;
        const row = r * D;
        for (let c = r; c < D; c++) gram[row + c]! += vr * v[c]!;
      }
    }
  }

  /** Probability per article label (sums to 1); empty when the classifier has no classes. */
  predict(vector: Float32Array): Map<string, number> {
    const classes = this.labels.length;
    const result = new Map<string, number>();
    if (classes === 0 || vector.length !== this.dimension) return result;
    const x = new Float32Array(this.dimension);
    for (let d = 0; d < this.dimension; d++) x[d] = (vector[d]! - this.mean[d]!) * this.scale;
    const logits = new Float64Array(classes);
    let max = -Infinity;
    for (let k = 0; k < classes; k++) {
      let z = this.bias[k]!;
      const w = k * this.dimension;
      for (let d = 0; d < this.dimension; d++) z += this.weights[w + d]! * x[d]!;
      z *= this.temperature;
      logits[k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += logits[k] = Math.exp(logits[k]! - max);
    for (let k = 0; k < classes; k++) result.set(this.labels[k]!, logits[k]! / sum);
    return result;
  }

  toJSON(): ClassifierJson {
    return {
      version: 1,
      labels: [...this.labels],
      dimension: this.dimension,
      mean: Array.from(this.mean),
      scale: this.scale,
      temperature: this.temperature,
      weights: Array.from(this.weights),
      bias: Array.from(this.bias),
    };
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
 * Solves (L Lᵀ) X = B for X (n × m, row-major). Row operations over all m columns at once: the
 * same operations in the same order as column by column, but reading memory in sequence (m is
 * the number of articles: 10,000 columns read with a stride of m made this the slowest step).
 */
function solveCholesky(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const z = Float64Array.from(b);
  // Forward: four rows at a time take every finished row k before them in one pass over row k
  // (read a quarter as often); then each finishes with the rows of its own block. Every element
  // still subtracts the same products in the same order (k ascending), then divides.
  for (let first = 0; first < n; first += 4) {
    const last = Math.min(first + 4, n);
    if (last - first === 4) {
      const z0 = first * m;
      const z1 = z0 + m;
      const z2 = z1 + m;
      const z3 = z2 + m;
      for (let k = 0; k < first; k++) {
        const l0 = l[first * n + k]!;
        const l1 = l[(first + 1) * n + k]!;
        const l2 = l[(first + 2) * n + k]!;
        const l3 = l[(first + 3) * n + k]!;
        const zk = k * m;
        for (let c = 0; c < m; c++) {
          const v = z[zk + c]!;
          z[z0 + c]! -= l0 * v;
          z[z1 + c]! -= l1 * v;
          z[z2 + c]! -= l2 * v;
          z[z3 + c]! -= l3 * v;
        }
      }
    } else {
      for (let i = first; i < last; i++) {
        const zi = i * m;
        for (let k = 0; k < first; k++) {
          const lik = l[i * n + k]!;
          const zk = k * m;
          for (let c = 0; c < m; c++) z[zi + c]! -= lik * z[zk + c]!;
        }
      }
    }
    for (let i = first; i < last; i++) {
      const zi = i * m;
      for (let k = first; k < i; k++) {
        const lik = l[i * n + k]!;
        const zk = k * m;
        for (let c = 0; c < m; c++) z[zi + c]! -= lik * z[zk + c]!;
      }
      const diagonal = l[i * n + i]!;
      for (let c = 0; c < m; c++) z[zi + c]! /= diagonal;
    }
  }
  const x = z;
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * m;
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i]!;
      const xk = k * m;
      for (let c = 0; c < m; c++) x[xi + c]! -= lki * x[xk + c]!;
    }
    const diagonal = l[i * n + i]!;
    for (let c = 0; c < m; c++) x[xi + c]! /= diagonal;
  }
  return x;
}
