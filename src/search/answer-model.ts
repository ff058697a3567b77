import { runAll, type Stepwise } from '../stepwise.js';
import { z } from 'zod';

/** Persisted with the calibration (calibration.json): weights over standardised features. */
export const answerModelSchema = z.object({
  version: z.literal(1),
  mean: z.array(z.number()),
  scale: z.array(z.number()),
  weights: z.array(z.number()),
  bias: z.number(),
});

export type AnswerModelJson = z.infer<typeof answerModelSchema>;

/** L2 penalty per example on the standardised weights: keeps rare feature combinations from getting extreme weights. */
const L2 = 1e-3;
const NEWTON_STEPS = 25;

/**
 * Logistic regression: the probability that a candidate article is the right answer to a
 * question, from the evidence the retrievers found (answer-features.ts). Trained per knowledge
 * base at calibration time, so the weights fit that knowledge base and that model's score scale.
 *
 * Why a learned combination: a fixed sum of similarity, classifier probability and keyword rank
 * ranks well but says little about *whether* to answer. The same evidence, weighed by a model
 * that has seen the knowledge base's own held-out questions (right articles) and questions whose
 * article was removed (near-topic questions the knowledge base cannot answer), gives a score
 * whose thresholds separate "answer" from "abstain" better, and ranks better too (see README,
 * "Answer quality"). Newton's method on a few dozen features converges in a handful of steps.
 */
export class AnswerModel {
  private constructor(
    private readonly mean: readonly number[],
    private readonly scale: readonly number[],
    private readonly weights: readonly number[],
    private readonly bias: number,
  ) {}

  get featureCount(): number {
    return this.weights.length;
  }

  static train(rows: readonly (readonly number[])[], labels: readonly boolean[]): AnswerModel {
    return runAll(AnswerModel.trainSteps(rows, labels));
  }

  /** `train`, yielding after each Newton step (see stepwise.ts). */
  static *trainSteps(rows: readonly (readonly number[])[], labels: readonly boolean[]): Stepwise<AnswerModel> {
    const n = rows.length;
    const d = rows[0]?.length ?? 0;
    if (n === 0 || d === 0) return new AnswerModel(new Array<number>(d).fill(0), new Array<number>(d).fill(1), new Array<number>(d).fill(0), 0);
    const mean = new Array<number>(d).fill(0);
    for (const row of rows) for (let j = 0; j < d; j++) mean[j]! += row[j]! / n;
    const scale = new Array<number>(d).fill(0);
    for (const row of rows) for (let j = 0; j < d; j++) scale[j]! += (row[j]! - mean[j]!) ** 2 / n;
    for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
    // Standardised rows with a trailing 1 for the bias.
    const D = d + 1;
    const z = new Float64Array(n * D);
    rows.forEach((row, i) => {
      for (let j = 0; j < d; j++) z[i * D + j] = (row[j]! - mean[j]!) / scale[j]!;
      z[i * D + d] = 1;
    });
    const w = new Float64Array(D);
    for (let step = 0; step < NEWTON_STEPS; step++) {
      const gradient = new Float64Array(D);
      const hessian = new Float64Array(D * D);
      for (let i = 0; i < n; i++) {
        const o = i * D;
        let s = 0;
        for (let j = 0; j < D; j++) s += w[j]! * z[o + j]!;
        const p = 1 / (1 + Math.exp(-s));
        const error = p - (labels[i] ? 1 : 0);
        const curvature = p * (1 - p);
        for (let j = 0; j < D; j++) {
          const zj = z[o + j]!;
          gradient[j]! += error * zj;
          const hz = curvature * zj;
          for (let k = 0; k <= j; k++) hessian[j * D + k]! += hz * z[o + k]!;
        }
      }
      for (let j = 0; j < D; j++) {
        for (let k = 0; k < j; k++) hessian[k * D + j] = hessian[j * D + k]!;
        const penalty = j < d ? L2 * n : 1e-9;
        if (j < d) gradient[j]! += penalty * w[j]!;
        hessian[j * D + j]! += penalty;
      }
      const delta = solve(hessian, gradient, D);
      let change = 0;
      for (let j = 0; j < D; j++) {
        w[j]! -= delta[j]!;
        change = Math.max(change, Math.abs(delta[j]!));
      }
      if (change < 1e-7) break;
      yield;
    }
    return new AnswerModel(mean, scale, [...w.subarray(0, d)], w[d]!);
  }

  /** Probability (0..1) that the candidate described by `row` is the right article. */
  probability(row: readonly number[]): number {
    let s = this.bias;
    for (let j = 0; j < this.weights.length; j++) s += this.weights[j]! * ((row[j]! - this.mean[j]!) / this.scale[j]!);
    return 1 / (1 + Math.exp(-s));
  }

  toJSON(): AnswerModelJson {
    return { version: 1, mean: [...this.mean], scale: [...this.scale], weights: [...this.weights], bias: this.bias };
  }

  static fromJSON(json: AnswerModelJson): AnswerModel {
    if (json.mean.length !== json.weights.length || json.scale.length !== json.weights.length) throw new Error('answer model: feature counts differ');
    return new AnswerModel(json.mean, json.scale, json.weights, json.bias);
  }
}

/** Solves A x = b (A symmetric positive definite, n small) by Gaussian elimination with partial pivoting. */
function solve(matrix: Float64Array, vector: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(vector);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[pivot * n + c]!)) pivot = r;
    if (pivot !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[pivot * n + k]] = [a[pivot * n + k]!, a[c * n + k]!];
      [b[c], b[pivot]] = [b[pivot]!, b[c]!];
    }
    const diagonal = a[c * n + c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const factor = a[r * n + c]! / diagonal;
      if (factor === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k]! -= factor * a[c * n + k]!;
      b[r]! -= factor * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / (a[r * n + r]! || 1e-12);
  }
  return x;
}
