/**
 * Expands the e5 export's 4-bit-stored layer weights to float32 once, in the derived model file,
 * instead of at every start.
 *
 * Why: the shipped e5 `model.onnx` keeps each of its 72 layer matrices as int8 values (4-bit
 * range) and fp16 scales, expanded to float32 in the graph (Cast, Cast, Mul, Reshape).
 * onnxruntime's constant folding runs those 288 nodes whenever a session is created: measured on
 * this 2-core machine, creating the session of the derived model took 460–520 ms CPU at the
 * default optimisation level, 87 ms with optimisations off; with the matrices already float32 it
 * takes 260–285 ms (and 5 MB less RSS after loading). onnxruntime-node 1.14 cannot save its
 * optimised graph (`optimizedModelFilePath` is ignored), so tierdesk writes the folded matrices
 * itself. Every value is exact in float32 (a small integer times an fp16 scale), so the folded
 * initializers hold the very numbers onnxruntime's folding produced, and the rest of the graph is
 * optimised as before: the derived model's outputs were equal to the bit on probe inputs (and
 * `derivedModelRoot` verifies them against the original before use).
 */

/** ONNX TensorProto data types used here. */
const FLOAT = 1;
const INT8 = 3;
const FLOAT16 = 10;
const INT64 = 7;

export interface FoldTensor {
  name: string;
  dataType: number;
  dims: (number | { toNumber(): number })[];
  rawData?: Uint8Array | null;
}
export interface FoldNode {
  opType: string;
  input: string[];
  output: string[];
  attribute?: { name: string; i?: number | { toNumber(): number } | null }[];
}
export interface FoldGraph {
  node: FoldNode[];
  initializer: FoldTensor[];
  output?: { name: string }[];
}

const toNumber = (d: number | { toNumber(): number }) => (typeof d === 'number' ? d : d.toNumber());

/** float16 bits → number (exact: every float16 is a float32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function castsTo(node: FoldNode | undefined, type: number): node is FoldNode {
  if (node?.opType !== 'Cast') return false;
  const to = node.attribute?.find((a) => a.name === 'to')?.i;
  return to != null && toNumber(to) === type;
}

/**
 * Replaces every `Reshape(Mul(Cast<float>(int8 [B,J,C]), Cast<float>(fp16 [B,1,C])), shape)` whose
 * inputs are initializers used nowhere else by one float32 initializer named as the Reshape's
 * output; removes the nodes and the initializers nothing reads any more. Other patterns are left
 * to onnxruntime. Returns how many matrices were folded (0: the graph is unchanged).
 */
export function foldDequantizedWeights(graph: FoldGraph, makeTensor: (tensor: FoldTensor) => FoldTensor): number {
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map<string, FoldNode>();
  for (const node of graph.node) for (const output of node.output) producer.set(output, node);
  const readers = new Map<string, number>();
  for (const node of graph.node) for (const input of node.input) readers.set(input, (readers.get(input) ?? 0) + 1);
  const onlyReader = (name: string) => readers.get(name) === 1;
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name));

  const removed = new Set<FoldNode>();
  const added: FoldTensor[] = [];
  /** Initializers the folded nodes read: removed when no remaining node reads them. */
  const dropped = new Set<string>();
  for (const reshape of graph.node) {
    if (reshape.opType !== 'Reshape' || reshape.input.length !== 2 || graphOutputs.has(reshape.output[0]!)) continue;
    const mul = producer.get(reshape.input[0]!);
    if (mul?.opType !== 'Mul' || mul.input.length !== 2 || !onlyReader(reshape.input[0]!)) continue;
    const [valuesCast, scalesCast] = mul.input.map((name) => producer.get(name));
    if (!castsTo(valuesCast, FLOAT) || !castsTo(scalesCast, FLOAT) || !mul.input.every(onlyReader)) continue;
    const values = initializers.get(valuesCast.input[0]!);
    const scales = initializers.get(scalesCast.input[0]!);
    const shape = initializers.get(reshape.input[1]!);
    if (values?.rawData == null || scales?.rawData == null || shape?.rawData == null) continue;
    if (values.dataType !== INT8 || scales.dataType !== FLOAT16 || shape.dataType !== INT64) continue;
    if (!onlyReader(values.name) || !onlyReader(scales.name)) continue;
    const [blocks, rows, columns] = values.dims.map(toNumber);
    const scaleDims = scales.dims.map(toNumber);
    if (blocks === undefined || rows === undefined || columns === undefined || values.dims.length !== 3) continue;
    if (scaleDims.length !== 3 || scaleDims[0] !== blocks || scaleDims[1] !== 1 || scaleDims[2] !== columns) continue;
    if (values.rawData.length !== blocks * rows * columns || scales.rawData.length !== blocks * columns * 2) continue;
    const shapeBytes = shape.rawData;
    const dims = Array.from({ length: shapeBytes.length / 8 }, (_, i) => Number(Buffer.from(shapeBytes.buffer, shapeBytes.byteOffset, shapeBytes.length).readBigInt64LE(i * 8)));
    if (dims.some((d) => d <= 0) || dims.reduce((a, b) => a * b, 1) !== blocks * rows * columns) continue;

    const ints = new Int8Array(values.rawData.buffer, values.rawData.byteOffset, values.rawData.length);
    const scaleBits = Buffer.from(scales.rawData.buffer, scales.rawData.byteOffset, scales.rawData.length);
    const scale = Float32Array.from({ length: blocks * columns }, (_, i) => halfToFloat(scaleBits.readUInt16LE(i * 2)));
    const folded = new Float32Array(blocks * rows * columns);
    for (let b = 0; b < blocks; b++) {
      for (let r = 0; r < rows; r++) {
        const at = (b * rows + r) * columns;
        // int8 × fp16 is exact in float32 (at most 8 + 11 significant bits): onnxruntime's Mul gives the same numbers.
        for (let c = 0; c < columns; c++) folded[at + c] = ints[at + c]! * scale[b * columns + c]!;
      }
    }
    added.push(makeTensor({ name: reshape.output[0]!, dataType: FLOAT, dims, rawData: new Uint8Array(folded.buffer) }));
    for (const node of [reshape, mul, valuesCast, scalesCast]) removed.add(node);
    for (const name of [values.name, scales.name, shape.name]) dropped.add(name);
  }
  if (added.length === 0) return 0;
  graph.node = graph.node.filter((node) => !removed.has(node));
  const read = new Set(graph.node.flatMap((node) => node.input));
  graph.initializer = [...graph.initializer.filter((t) => !dropped.has(t.name) || read.has(t.name)), ...added];
  return added.length;
}
