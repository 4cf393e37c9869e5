/**
 * The model's tensors by their official PyTorch state_dict names, their shapes, and the
 * official initialisation.
 *
 * @module
 */
import { derivedSizes, type ModelConfig } from "./config.ts";
import { seededUniform } from "../util/rng.ts";

export { seededUniform };

/** How a tensor is initialised. */
export type InitKind =
  | { kind: "truncNormal"; std: number }
  | { kind: "constant"; value: number };

/** One named tensor of the model. */
export interface ParamSpec {
  /** Official state_dict name, e.g. `inner.lm_head.weight`. */
  name: string;
  /** Row-major shape (PyTorch layout: linear weights are [out, in]). */
  shape: number[];
  /** Initialisation. */
  init: InitKind;
  /** Trained by the dense optimizer and counted by `numParameters()` (PyTorch `parameters()`). */
  trainable: boolean;
  /** Has EMA and is saved as part of the model. */
  role: "weight" | "initState" | "puzzleEmbedding";
}

const trunc = (std: number): InitKind => ({ kind: "truncNormal", std });

/** Name prefix of layer `i`'s tensors. */
export function layerPrefix(i: number): string {
  return `inner.L_level.layers.${i}`;
}

/** Every tensor of a model with this configuration, in a stable order. */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const { dim: d, vocabSize: v } = config;
  const { totalSeqLen: s, hidden, tokenHidden } = derivedSizes(config);
  const specs: ParamSpec[] = [
    {
      name: "inner.embed_tokens.embedding_weight",
      shape: [v, d],
      init: trunc(1 / Math.sqrt(d)),
      trainable: true,
      role: "weight",
    },
  ];
  if (config.posEncoding === "learned") {
    specs.push({
      name: "inner.embed_pos.embedding_weight",
      shape: [s, d],
      init: trunc(1 / Math.sqrt(d)),
      trainable: true,
      role: "weight",
    });
  }
  const linear = (name: string, out: number, inp: number): ParamSpec => ({
    name,
    shape: [out, inp],
    init: trunc(1 / Math.sqrt(inp)),
    trainable: true,
    role: "weight",
  });
  for (let i = 0; i < config.numLayers; i++) {
    const p = layerPrefix(i);
    if (config.useMlpMixer) {
      specs.push(linear(`${p}.mlp_t.gate_up_proj.weight`, 2 * tokenHidden, s));
      specs.push(linear(`${p}.mlp_t.down_proj.weight`, s, tokenHidden));
    } else {
      specs.push(linear(`${p}.self_attn.qkv_proj.weight`, 3 * d, d));
      specs.push(linear(`${p}.self_attn.o_proj.weight`, d, d));
    }
    specs.push(linear(`${p}.mlp.gate_up_proj.weight`, 2 * hidden, d));
    specs.push(linear(`${p}.mlp.down_proj.weight`, d, hidden));
  }
  specs.push(linear("inner.lm_head.weight", v, d));
  specs.push({
    name: "inner.q_head.weight",
    shape: [2, d],
    init: { kind: "constant", value: 0 },
    trainable: true,
    role: "weight",
  });
  specs.push({
    name: "inner.q_head.bias",
    shape: [2],
    init: { kind: "constant", value: -5 },
    trainable: true,
    role: "weight",
  });
  specs.push({
    name: "inner.H_init",
    shape: [d],
    init: trunc(1),
    trainable: false,
    role: "initState",
  });
  specs.push({
    name: "inner.L_init",
    shape: [d],
    init: trunc(1),
    trainable: false,
    role: "initState",
  });
  if (config.puzzleEmbLen > 0) {
    specs.push({
      name: "inner.puzzle_emb.weights",
      shape: [config.numPuzzleIdentifiers, d],
      init: { kind: "constant", value: 0 },
      trainable: false,
      role: "puzzleEmbedding",
    });
  }
  return specs;
}

/** Number of trainable parameters, as PyTorch's `model.parameters()` counts them. */
export function countParameters(config: ModelConfig): number {
  let n = 0;
  for (const spec of paramSpecs(config)) {
    if (spec.trainable) n += spec.shape.reduce((a, b) => a * b, 1);
  }
  return n;
}

/**
 * Fills `out` from a normal distribution truncated at ±2σ, with σ corrected so that the
 * truncated distribution has standard deviation `std` (the official JAX-style init:
 * σ = std / 0.87962566…). Sampled by rejection, which is exactly that distribution.
 */
export function truncatedNormal(
  out: Float32Array,
  std: number,
  uniform: () => number,
): Float32Array {
  if (std === 0) return out.fill(0);
  const lower = -2, upper = 2;
  const sqrt2 = Math.SQRT2;
  const z = (erf(upper / sqrt2) - erf(lower / sqrt2)) / 2;
  const c = 1 / Math.sqrt(2 * Math.PI);
  const pdfU = c * Math.exp(-0.5 * lower * lower);
  const pdfL = c * Math.exp(-0.5 * upper * upper);
  const compStd = std /
    Math.sqrt(1 - (upper * pdfU - lower * pdfL) / z - ((pdfU - pdfL) / z) ** 2);
  for (let i = 0; i < out.length; i++) {
    let x: number;
    do {
      // Box–Muller; 1 - u keeps the log argument in (0, 1].
      x = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    } while (x < lower || x > upper);
    out[i] = x * compStd;
  }
  return out;
}

/** Abramowitz–Stegun 7.1.26 is too coarse for the variance correction; this series is exact to 1e-15 for |x| ≤ 3. */
function erf(x: number): number {
  // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)).
  let sum = 0, term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= -x * x / (n + 1);
  }
  return 2 / Math.sqrt(Math.PI) * sum;
}

/** Host-side initial values for every tensor of the model (seeded, reproducible). */
export function initialValues(config: ModelConfig, seed: number): Map<string, Float32Array> {
  const uniform = seededUniform(seed);
  const values = new Map<string, Float32Array>();
  for (const spec of paramSpecs(config)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.init.kind === "constant") data.fill(spec.init.value);
    else truncatedNormal(data, spec.init.std, uniform);
    values.set(spec.name, data);
  }
  return values;
}
