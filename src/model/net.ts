/**
 * The one tiny net TRM applies over and over: `net(h, inj) = layers(h + inj)`, each layer
 * a post-norm (official) or pre-norm block of a mixer (attention with RoPE, or an MLP over
 * the sequence axis) and a channel SwiGLU. Forward records what backward needs on a
 * tape; backward accumulates weight gradients (deterministic, no atomics) and returns
 * the gradient of `h + inj`.
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import { attentionBackward, attentionForward } from "../ops/attention.ts";
import { dropout, dropoutBackward } from "../ops/dropout.ts";
import { add, addInto, copy, transpose } from "../ops/elementwise.ts";
import { linear, matmul } from "../ops/matmul.ts";
import { rmsNorm, rmsNormBackward } from "../ops/norm.ts";
import { rope, type RopeTable } from "../ops/rope.ts";
import { swiglu, swigluBackward } from "../ops/swiglu.ts";
import { derivedSizes, type ModelConfig } from "./config.ts";
import { layerPrefix } from "./params.ts";

/** Weights by official name (GPU tensors). */
export type TensorMap = Map<string, Tensor>;

/** Shapes shared by every application of the net in one batch. */
export interface NetShape {
  /** Batch size. */
  batch: number;
  /** Total sequence length (prefix + grid). */
  seq: number;
}

/** Everything a net application needs besides its inputs. */
export interface NetContext {
  /** The backend. */
  gpu: Gpu;
  /** Model configuration. */
  config: ModelConfig;
  /** Weights. */
  weights: TensorMap;
  /** RoPE cos/sin table when posEncoding is rope. */
  rope?: RopeTable;
  /** Dropout seed for this application (training only; undefined = no dropout). */
  dropoutSeed?: number;
}

/** Saved activations of one layer (released by backward or {@linkcode releaseTape}). */
export interface LayerTape {
  /** The layer's input (owned by the previous layer's tape or the net tape). */
  input: Tensor;
  /** Attention: q, k, v after RoPE, [B, S, 3D]. */
  qkvRotated?: Tensor;
  /** Attention: output before the projection, [B, S, D]. */
  attnOut?: Tensor;
  /** Attention: log-sum-exp per query, [B, H, S]. */
  lse?: Tensor;
  /** Token mixer: the input transposed, [B·D, S]. */
  tokenInputT?: Tensor;
  /** Token mixer: gate and up projections, [B·D, 2·I_t]. */
  tokenGateUp?: Tensor;
  /** Token mixer: SwiGLU output, [B·D, I_t]. */
  tokenHidden?: Tensor;
  /** Post-norm: the mixer sub-block's normalised output; pre-norm: a + mix. */
  mid: Tensor;
  /** Reciprocal RMS of the first norm. */
  midRstd: Tensor;
  /** Channel MLP gate and up projections, [B·S, 2I]. */
  gateUp: Tensor;
  /** Channel MLP SwiGLU output, [B·S, I]. */
  hidden: Tensor;
  /** The layer's output, [B, S, D]. */
  out: Tensor;
  /** Reciprocal RMS of the second norm. */
  outRstd: Tensor;
  /** Pre-norm: the mixer's normalised input. */
  preNorm1?: { y: Tensor; rstd: Tensor };
  /** Pre-norm: the MLP's normalised input. */
  preNorm2?: { y: Tensor; rstd: Tensor };
  /** Dropout seeds of the two sub-blocks (training with dropout). */
  dropoutSeeds?: [number, number];
}

/**
 * What one net application recorded for its backward: every layer's activations, or,
 * with gradient checkpointing, only `h + inj` (the layers are recomputed in backward).
 */
export interface NetTape {
  /** h + inj, the first layer's input. */
  sum: Tensor;
  /** Saved layer activations; empty when `recompute` is set. */
  layers: LayerTape[];
  /** True when the activations must be recomputed from `sum` in backward. */
  recompute: boolean;
  /** Pre-norm only: the final norm that keeps y and z bounded across the recursion. */
  final?: { y: Tensor; rstd: Tensor };
}

const channel = (rows: number, n: number, eps: number) => ({ outer: rows, n, inner: 1, eps });

/** Applies the net: returns `layers(h + inj)` and, when `record`, the tape for backward. */
export function netForward(
  ctx: NetContext,
  shape: NetShape,
  h: Tensor,
  inj: Tensor,
  record: boolean,
  recompute = false,
): { out: Tensor; tape?: NetTape } {
  const sum = add(ctx.gpu, h, inj);
  if (record && recompute) {
    // Gradient checkpointing: keep only the input; backward runs the layers again.
    const { out } = layersForward(ctx, shape, sum, false, true);
    return { out, tape: { sum, layers: [], recompute: true } };
  }
  return layersForward(ctx, shape, sum, record);
}

/** Runs the layers on `sum` (which the tape takes over when recording, and which is released otherwise unless `keepSum`). */
function layersForward(
  ctx: NetContext,
  shape: NetShape,
  sum: Tensor,
  record: boolean,
  keepSum = false,
): { out: Tensor; tape?: NetTape } {
  const { gpu, config } = ctx;
  let x = sum;
  const layers: LayerTape[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const lt = layerForward(ctx, shape, i, x);
    if (record) layers.push(lt);
    else {
      releaseLayer(lt, false);
      if (x !== sum) x.release();
    }
    x = lt.out;
  }
  // Pre-norm blocks leave the residual stream unnormalised; without a final norm y and z
  // grow by orders of magnitude per supervision step, so the net ends with one.
  let final: { y: Tensor; rstd: Tensor } | undefined;
  if (config.normPlacement === "pre") {
    const { batch: b, seq: s } = shape;
    const n = rmsNorm(gpu, x, { outer: b * s, n: config.dim, inner: 1, eps: config.rmsNormEps });
    final = { y: n.y.reshapeOwned([b, s, config.dim]), rstd: n.rstd };
  }
  if (!record) {
    if (x !== sum && !keepSum) sum.release();
    if (!final) return { out: x };
    final.rstd.release();
    if (x !== sum) x.release();
    return { out: final.y };
  }
  // The caller owns `out`; the tape keeps its own reference to the same tensor, so hand
  // out a copy to keep ownership simple (one tensor per owner).
  return { out: copy(gpu, final ? final.y : x), tape: { sum, layers, recompute: false, final } };
}

function seedFor(ctx: NetContext, layer: number, which: number): number | undefined {
  if (ctx.dropoutSeed === undefined || ctx.config.dropout <= 0) return undefined;
  return (ctx.dropoutSeed * 131 + layer * 2 + which) >>> 0;
}

/** Mixer sub-block output (attention or token MLP) for input `a` [B, S, D]. */
function mixerForward(
  ctx: NetContext,
  shape: NetShape,
  i: number,
  a: Tensor,
  lt: Partial<LayerTape>,
): Tensor {
  const { gpu, config, weights } = ctx;
  const p = layerPrefix(i);
  const { batch: b, seq: s } = shape;
  const d = config.dim;
  if (config.useMlpMixer) {
    const { tokenHidden: th } = derivedSizes(config);
    const wgu = weights.get(`${p}.mlp_t.gate_up_proj.weight`)!;
    const wd = weights.get(`${p}.mlp_t.down_proj.weight`)!;
    // The MLP over the sequence axis, as the official code does it: transpose to
    // [B·D, S] and apply ordinary linears. One large 2-D product per projection keeps
    // the matmul efficient (a batch of B small products is not, on CPU adapters).
    const aT = transpose(gpu, a, { batch: b, rows: s, cols: d });
    const gu = linear(gpu, aT.reshape([b * d, s]), wgu);
    const hid = swiglu(gpu, gu, { outer: b * d, hidden: th, inner: 1 });
    const mT = linear(gpu, hid, wd);
    const m = transpose(gpu, mT, { batch: b, rows: d, cols: s });
    mT.release();
    lt.tokenInputT = aT;
    lt.tokenGateUp = gu;
    lt.tokenHidden = hid;
    return m.reshapeOwned([b, s, d]);
  }
  const wqkv = weights.get(`${p}.self_attn.qkv_proj.weight`)!;
  const wo = weights.get(`${p}.self_attn.o_proj.weight`)!;
  let qkv = linear(gpu, a.reshape([b * s, d]), wqkv).reshapeOwned([b, s, 3 * d]);
  if (ctx.rope) {
    const rotated = rope(gpu, qkv.reshape([b, s, 3 * d]), ctx.rope, { numHeads: config.numHeads });
    qkv.release();
    qkv = rotated;
  }
  const { out, lse } = attentionForward(gpu, qkv.reshape([b, s, 3 * d]), {
    numHeads: config.numHeads,
  });
  const proj = linear(gpu, out.reshape([b * s, d]), wo);
  lt.qkvRotated = qkv;
  lt.attnOut = out;
  lt.lse = lse;
  return proj.reshapeOwned([b, s, d]);
}

function maybeDropout(ctx: NetContext, x: Tensor, seed: number | undefined): Tensor {
  if (seed === undefined) return x;
  const y = dropout(ctx.gpu, x, { p: ctx.config.dropout, seed });
  x.release();
  return y;
}

function layerForward(ctx: NetContext, shape: NetShape, i: number, a: Tensor): LayerTape {
  const { gpu, config, weights } = ctx;
  const p = layerPrefix(i);
  const { batch: b, seq: s } = shape;
  const d = config.dim;
  const { hidden: hd } = derivedSizes(config);
  const eps = config.rmsNormEps;
  const rows = b * s;
  const mixerNorm = config.useMlpMixer ? { outer: b, n: s, inner: d, eps } : channel(rows, d, eps);
  const lt: Partial<LayerTape> = { input: a };
  const seeds = [seedFor(ctx, i, 0), seedFor(ctx, i, 1)] as const;
  if (seeds[0] !== undefined) lt.dropoutSeeds = [seeds[0], seeds[1]!];
  const wgu = weights.get(`${p}.mlp.gate_up_proj.weight`)!;
  const wdown = weights.get(`${p}.mlp.down_proj.weight`)!;

  if (config.normPlacement === "post") {
    const mix = maybeDropout(ctx, mixerForward(ctx, shape, i, a, lt), seeds[0]);
    const n1 = rmsNorm(gpu, a, { ...mixerNorm, residual: mix });
    mix.release();
    const gu = linear(gpu, n1.y.reshape([rows, d]), wgu);
    const hid = swiglu(gpu, gu, { outer: rows, hidden: hd, inner: 1 });
    const mlp = maybeDropout(ctx, linear(gpu, hid, wdown), seeds[1]);
    const n2 = rmsNorm(gpu, n1.y, { ...channel(rows, d, eps), residual: mlp });
    mlp.release();
    Object.assign(lt, {
      mid: n1.y,
      midRstd: n1.rstd,
      gateUp: gu,
      hidden: hid,
      out: n2.y.reshapeOwned([b, s, d]),
      outRstd: n2.rstd,
    });
    return lt as LayerTape;
  }
  // Pre-norm: h = a + mix(norm(a)); out = h + mlp(norm(h)).
  const pre1 = rmsNorm(gpu, a, mixerNorm);
  const mix = maybeDropout(
    ctx,
    mixerForward(ctx, shape, i, pre1.y.reshape([b, s, d]), lt),
    seeds[0],
  );
  const mid = add(gpu, a, mix);
  mix.release();
  const pre2 = rmsNorm(gpu, mid, channel(rows, d, eps));
  const gu = linear(gpu, pre2.y.reshape([rows, d]), wgu);
  const hid = swiglu(gpu, gu, { outer: rows, hidden: hd, inner: 1 });
  const mlp = maybeDropout(ctx, linear(gpu, hid, wdown), seeds[1]);
  const out = add(gpu, mid, mlp.reshape([b, s, d]));
  mlp.release();
  Object.assign(lt, {
    mid,
    midRstd: pre1.rstd, // unused in pre-norm; kept so the tape shape is uniform
    gateUp: gu,
    hidden: hid,
    out: out.reshapeOwned([b, s, d]),
    outRstd: pre2.rstd,
    preNorm1: pre1,
    preNorm2: pre2,
  });
  return lt as LayerTape;
}

function releaseLayer(lt: LayerTape, includeOut: boolean): void {
  for (
    const t of [
      lt.qkvRotated,
      lt.attnOut,
      lt.lse,
      lt.tokenInputT,
      lt.tokenGateUp,
      lt.tokenHidden,
      lt.mid,
      lt.midRstd,
      lt.gateUp,
      lt.hidden,
      lt.outRstd,
    ]
  ) t?.release();
  if (lt.preNorm1) lt.preNorm1.y.release();
  if (lt.preNorm2) lt.preNorm2.y.release();
  if (includeOut) lt.out.release();
}

/** Releases everything a tape holds. */
export function releaseTape(tape: NetTape): void {
  tape.sum.release();
  tape.final?.y.release();
  tape.final?.rstd.release();
  for (const lt of tape.layers) releaseLayer(lt, true);
}

/** Gradients by official name; backward accumulates into them (C = A·B + 1·C). */
export type GradMap = Map<string, Tensor>;

/**
 * Backward of one net application. `dOut` is consumed (released or reused). Weight
 * gradients are added into `grads`. Returns d(h + inj), which the caller owns. The tape
 * is released.
 */
export function netBackward(
  ctx: NetContext,
  shape: NetShape,
  tape: NetTape,
  dOut: Tensor,
  grads: GradMap,
): Tensor {
  if (tape.recompute) {
    const full = layersForward(ctx, shape, tape.sum, true);
    full.out.release();
    tape = full.tape!;
  }
  let d = dOut;
  if (tape.final) {
    const { batch: b, seq: s } = shape;
    d = rmsNormBackward(ctx.gpu, tape.final.y, tape.final.rstd, dOut, {
      outer: b * s,
      n: ctx.config.dim,
      inner: 1,
    }).dx;
    dOut.release();
  }
  for (let i = ctx.config.numLayers - 1; i >= 0; i--) {
    d = layerBackward(ctx, shape, i, tape.layers[i], d, grads);
  }
  releaseTape(tape);
  return d;
}

/** Accumulates dW += dYᵀ·X for a linear layer y = x·Wᵀ. */
function accumulateWeightGrad(
  gpu: Gpu,
  grads: GradMap,
  name: string,
  dy: Tensor,
  x: Tensor,
  rows: number,
): void {
  const g = grads.get(name)!;
  const [out, inp] = g.shape;
  matmul(gpu, dy, x, { batch: 1, transA: true, m: out, n: inp, k: rows, beta: 1, out: g });
}

function layerBackward(
  ctx: NetContext,
  shape: NetShape,
  i: number,
  lt: LayerTape,
  dOut: Tensor,
  grads: GradMap,
): Tensor {
  const { gpu, config, weights } = ctx;
  const p = layerPrefix(i);
  const { batch: b, seq: s } = shape;
  const d = config.dim;
  const { hidden: hd } = derivedSizes(config);
  const rows = b * s;
  const post = config.normPlacement === "post";
  const mixerNorm = config.useMlpMixer
    ? { outer: b, n: s, inner: d }
    : { outer: rows, n: d, inner: 1 };

  // ---- channel MLP sub-block ----
  // post: out = norm(mid + mlp(mid)); pre: out = mid + mlp(norm(mid)).
  let dMid: Tensor; // gradient w.r.t. mid (residual path), accumulates the MLP path below
  let dMlp: Tensor; // gradient w.r.t. the MLP output
  if (post) {
    const { dx } = rmsNormBackward(gpu, lt.out, lt.outRstd, dOut, { outer: rows, n: d, inner: 1 });
    dOut.release();
    dMid = dx;
    dMlp = dx;
  } else {
    dMid = dOut;
    dMlp = dOut;
  }
  const mlpInput = post ? lt.mid : lt.preNorm2!.y;
  const dMlpEff = throughDropout(ctx, lt, 1, dMlp);
  const wgu = weights.get(`${p}.mlp.gate_up_proj.weight`)!;
  const wdown = weights.get(`${p}.mlp.down_proj.weight`)!;
  accumulateWeightGrad(gpu, grads, `${p}.mlp.down_proj.weight`, dMlpEff, lt.hidden, rows);
  const dHidden = matmul(gpu, dMlpEff, wdown, { batch: 1, m: rows, n: hd, k: d });
  if (dMlpEff !== dMlp) dMlpEff.release();
  const dGateUp = swigluBackward(gpu, lt.gateUp, dHidden, { outer: rows, hidden: hd, inner: 1 });
  dHidden.release();
  accumulateWeightGrad(gpu, grads, `${p}.mlp.gate_up_proj.weight`, dGateUp, mlpInput, rows);
  if (post) {
    // d(mid) += dGateUp · Wgu
    matmul(gpu, dGateUp, wgu, { batch: 1, m: rows, n: d, k: 2 * hd, beta: 1, out: dMid });
  } else {
    const dNormed = matmul(gpu, dGateUp, wgu, { batch: 1, m: rows, n: d, k: 2 * hd });
    const { dx } = rmsNormBackward(gpu, lt.preNorm2!.y, lt.preNorm2!.rstd, dNormed, {
      outer: rows,
      n: d,
      inner: 1,
    });
    dNormed.release();
    addInto(gpu, dMid, dx);
    dx.release();
  }
  dGateUp.release();

  // ---- mixer sub-block ----
  // post: mid = norm(a + mix(a)); pre: mid = a + mix(norm(a)).
  let dA: Tensor;
  let dMix: Tensor;
  if (post) {
    const { dx } = rmsNormBackward(gpu, lt.mid, lt.midRstd, dMid, mixerNorm);
    dMid.release();
    dA = dx;
    dMix = dx;
  } else {
    dA = dMid;
    dMix = dMid;
  }
  const mixInput = post ? lt.input : lt.preNorm1!.y;
  const dMixEff = throughDropout(ctx, lt, 0, dMix);
  const dMixInput = mixerBackward(ctx, shape, i, lt, mixInput, dMixEff, grads);
  if (dMixEff !== dMix) dMixEff.release();
  if (post) {
    addInto(gpu, dA, dMixInput);
  } else {
    const { dx } = rmsNormBackward(gpu, lt.preNorm1!.y, lt.preNorm1!.rstd, dMixInput, mixerNorm);
    addInto(gpu, dA, dx);
    dx.release();
  }
  dMixInput.release();
  return dA;
}

/** The gradient through sub-block `which`'s dropout (the same tensor when it had none). */
function throughDropout(ctx: NetContext, lt: LayerTape, which: 0 | 1, d: Tensor): Tensor {
  if (!lt.dropoutSeeds) return d;
  return dropoutBackward(ctx.gpu, d, { p: ctx.config.dropout, seed: lt.dropoutSeeds[which] });
}

/** Backward of the mixer: accumulates its weight gradients, returns d(mixer input). */
function mixerBackward(
  ctx: NetContext,
  shape: NetShape,
  i: number,
  lt: LayerTape,
  input: Tensor,
  dMix: Tensor,
  grads: GradMap,
): Tensor {
  const { gpu, config, weights } = ctx;
  const p = layerPrefix(i);
  const { batch: b, seq: s } = shape;
  const d = config.dim;
  const rows = b * s;
  if (config.useMlpMixer) {
    const { tokenHidden: th } = derivedSizes(config);
    const wgu = weights.get(`${p}.mlp_t.gate_up_proj.weight`)!;
    const wd = weights.get(`${p}.mlp_t.down_proj.weight`)!;
    const rowsT = b * d;
    // mᵀ = hid·Wdᵀ on [B·D, ·] rows: dWd += dmᵀᵀ·hid, dhid = dmᵀ·Wd.
    const dmT = transpose(gpu, dMix, { batch: b, rows: s, cols: d });
    accumulateWeightGrad(gpu, grads, `${p}.mlp_t.down_proj.weight`, dmT, lt.tokenHidden!, rowsT);
    const dHid = matmul(gpu, dmT, wd, { batch: 1, m: rowsT, n: th, k: s });
    dmT.release();
    const dGu = swigluBackward(gpu, lt.tokenGateUp!, dHid, { outer: rowsT, hidden: th, inner: 1 });
    dHid.release();
    accumulateWeightGrad(gpu, grads, `${p}.mlp_t.gate_up_proj.weight`, dGu, lt.tokenInputT!, rowsT);
    const daT = matmul(gpu, dGu, wgu, { batch: 1, m: rowsT, n: s, k: 2 * th });
    dGu.release();
    const dA = transpose(gpu, daT, { batch: b, rows: d, cols: s });
    daT.release();
    return dA;
  }
  const wqkv = weights.get(`${p}.self_attn.qkv_proj.weight`)!;
  const wo = weights.get(`${p}.self_attn.o_proj.weight`)!;
  accumulateWeightGrad(gpu, grads, `${p}.self_attn.o_proj.weight`, dMix, lt.attnOut!, rows);
  const dAttn = matmul(gpu, dMix, wo, { batch: 1, m: rows, n: d, k: d });
  let dQkv = attentionBackward(
    gpu,
    lt.qkvRotated!,
    lt.attnOut!,
    lt.lse!,
    dAttn.reshape([b, s, d]),
    { numHeads: config.numHeads },
  );
  dAttn.release();
  if (ctx.rope) {
    const unrotated = rope(gpu, dQkv, ctx.rope, { numHeads: config.numHeads, inverse: true });
    dQkv.release();
    dQkv = unrotated;
  }
  accumulateWeightGrad(gpu, grads, `${p}.self_attn.qkv_proj.weight`, dQkv, input, rows);
  const dA = matmul(gpu, dQkv, wqkv, { batch: 1, m: rows, n: d, k: 3 * d });
  dQkv.release();
  return dA;
}
