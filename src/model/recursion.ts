/**
 * One supervision step of TRM on the GPU: T-1 cycles without gradient, one cycle with
 * (n latent updates `z = net(z, y + x)`, then `y = net(y, z)`), the output heads, and
 * the exact backward of that last cycle. The carry (y, z) is detached between steps.
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import {
  add,
  addInto,
  addToSequence,
  broadcastRows,
  copy,
  sliceSequence,
} from "../ops/elementwise.ts";
import { embeddingBackward, embeddingForward, puzzleEmbeddingGrad } from "../ops/embedding.ts";
import { linear, matmul } from "../ops/matmul.ts";
import { sumRows } from "../ops/reduce.ts";
import { derivedSizes } from "./config.ts";
import {
  type GradMap,
  netBackward,
  type NetContext,
  netForward,
  type NetShape,
  type NetTape,
} from "./net.ts";

/** The recurrent state of a batch: answer y and latent z, each [B, S, D]. */
export interface Carry {
  /** Answer embedding y (official z_H). */
  y: Tensor;
  /** Latent reasoning state z (official z_L). */
  z: Tensor;
}

/** What a supervision step produces. */
export interface StepOutputs {
  /** The new carry (owned by the caller). */
  carry: Carry;
  /** Token logits [B, L, V] (prefix dropped). */
  logits: Tensor;
  /** Halting logits [B, 2]: q_halt, q_continue. */
  q: Tensor;
  /** Present when the step ran with gradient: pass it to {@linkcode stepBackward}. */
  tape?: StepTape;
}

/** Saved state for the backward of a supervision step. */
export interface StepTape {
  /** Batch and sequence sizes. */
  shape: NetShape;
  /** One tape per latent update of the last cycle, in order. */
  latentTapes: NetTape[];
  /** Tape of the answer update y = net(y, z). */
  answerTape: NetTape;
  /** y after the step, [B, S, D]: the heads' input. */
  headInput: Tensor;
  /** Token ids [B, L] (for the embedding gradient). */
  ids: Tensor;
}

/** Embeds token ids (and puzzle ids) into x = sqrt(D) · [puzzle prefix; tokens], [B, S, D]. */
export function embedInputs(ctx: NetContext, ids: Tensor, puzzleIds: Tensor | undefined): Tensor {
  const { config, weights, gpu } = ctx;
  const { prefixLen } = derivedSizes(config);
  const puzzleTable = prefixLen > 0 ? weights.get("inner.puzzle_emb.weights") : undefined;
  const scale = embeddingScale(ctx);
  const x = embeddingForward(gpu, weights.get("inner.embed_tokens.embedding_weight")!, ids, {
    scale,
    prefixLen,
    puzzleTable: puzzleTable && puzzleIds ? puzzleTable : undefined,
    puzzleIds: puzzleTable && puzzleIds ? puzzleIds : undefined,
  });
  if (config.posEncoding === "learned") {
    // Official: sqrt(D) · (1/√2) · (token + position), positions over prefix and grid.
    const batch = ids.shape[0];
    const pos = broadcastRows(gpu, weights.get("inner.embed_pos.embedding_weight")!, batch);
    addInto(gpu, x, pos, scale);
    pos.release();
  }
  return x;
}

/** Scale applied to every input embedding: sqrt(D), times 1/√2 with learned positions. */
function embeddingScale(ctx: NetContext): number {
  const base = Math.sqrt(ctx.config.dim);
  return ctx.config.posEncoding === "learned" ? base * 0.707106781 : base;
}

/** Fresh carry: the fixed init vectors broadcast to every position. */
export function initialCarry(ctx: NetContext, shape: NetShape): Carry {
  const rows = shape.batch * shape.seq;
  const d = ctx.config.dim;
  return {
    y: broadcastRows(ctx.gpu, ctx.weights.get("inner.H_init")!, rows).reshapeOwned([
      shape.batch,
      shape.seq,
      d,
    ]),
    z: broadcastRows(ctx.gpu, ctx.weights.get("inner.L_init")!, rows).reshapeOwned([
      shape.batch,
      shape.seq,
      d,
    ]),
  };
}

/**
 * Runs one supervision step. `x` is the embedded input; `carry` is read, not consumed.
 * With `withGrad`, the last cycle is recorded for {@linkcode stepBackward}.
 */
export function stepForward(
  ctx: NetContext,
  shape: NetShape,
  x: Tensor,
  carry: Carry,
  withGrad: boolean,
  ids?: Tensor,
  recompute = false,
): StepOutputs {
  const { gpu, config } = ctx;
  let y = carry.y, z = carry.z;
  const replace = (old: Tensor, next: Tensor): Tensor => {
    if (old !== carry.y && old !== carry.z) old.release();
    return next;
  };
  for (let c = 0; c < config.tCycles - 1; c++) {
    const inj = add(gpu, y, x);
    for (let i = 0; i < config.nRecursions; i++) {
      z = replace(z, netForward(ctx, shape, z, inj, false).out);
    }
    inj.release();
    y = replace(y, netForward(ctx, shape, y, z, false).out);
  }
  const inj = add(gpu, y, x);
  const latentTapes: NetTape[] = [];
  for (let i = 0; i < config.nRecursions; i++) {
    const r = netForward(ctx, shape, z, inj, withGrad, recompute);
    if (r.tape) latentTapes.push(r.tape);
    z = replace(z, r.out);
  }
  inj.release();
  const answer = netForward(ctx, shape, y, z, withGrad, recompute);
  y = replace(y, answer.out);
  // The carry handed back must be owned by the caller even when no update replaced it.
  const newCarry: Carry = {
    y: y === carry.y || y === carry.z ? copy(gpu, y) : y,
    z: z === carry.y || z === carry.z ? copy(gpu, z) : z,
  };
  const { logits, q } = headsForward(ctx, shape, newCarry.y);
  let tape: StepTape | undefined;
  if (withGrad) {
    if (!ids) throw new Error("stepForward: ids are needed for the backward of the embedding");
    tape = { shape, latentTapes, answerTape: answer.tape!, headInput: copy(gpu, newCarry.y), ids };
  }
  return { carry: newCarry, logits, q, tape };
}

function headsForward(ctx: NetContext, shape: NetShape, y: Tensor): { logits: Tensor; q: Tensor } {
  const { gpu, config, weights } = ctx;
  const { prefixLen } = derivedSizes(config);
  const { batch: b } = shape;
  const d = config.dim;
  const L = config.seqLen;
  const yGrid = sliceSequence(gpu, y, { start: prefixLen, length: L });
  const logits = linear(gpu, yGrid.reshape([b * L, d]), weights.get("inner.lm_head.weight")!);
  yGrid.release();
  const pooled = haltInput(ctx, shape, y);
  const qNoBias = linear(gpu, pooled.reshape([b, d]), weights.get("inner.q_head.weight")!);
  pooled.release();
  const bias = broadcastRows(gpu, weights.get("inner.q_head.bias")!, b);
  const q = add(gpu, qNoBias, bias);
  qNoBias.release();
  bias.release();
  return { logits: logits.reshapeOwned([b, L, config.vocabSize]), q: q.reshapeOwned([b, 2]) };
}

/** The halting head's input [B, 1, D]: y at position 0 (official) or y's mean over positions. */
function haltInput(ctx: NetContext, shape: NetShape, y: Tensor): Tensor {
  const { gpu, config } = ctx;
  if (config.haltHead === "official") return sliceSequence(gpu, y, { start: 0, length: 1 });
  const means = meanWeights(gpu, shape.seq);
  const d = config.dim;
  // pooled[b] = (1/S)·1ᵀ [1, S] · y[b] [S, D]
  const pooled = matmul(gpu, means.reshape([1, shape.seq]), y, {
    m: 1,
    n: d,
    k: shape.seq,
    batch: shape.batch,
    strideA: 0,
    strideB: shape.seq * d,
    strideC: d,
  });
  return pooled.reshapeOwned([shape.batch, 1, d]);
}

const meanCache = new WeakMap<Gpu, Map<number, Tensor>>();
const onesCache = new WeakMap<Gpu, Map<number, Tensor>>();

function cachedVector(
  cache: WeakMap<Gpu, Map<number, Tensor>>,
  gpu: Gpu,
  n: number,
  value: number,
): Tensor {
  let perGpu = cache.get(gpu);
  if (!perGpu) cache.set(gpu, perGpu = new Map());
  let t = perGpu.get(n);
  if (!t) perGpu.set(n, t = gpu.upload(new Float32Array(n).fill(value), [n]));
  return t;
}

function meanWeights(gpu: Gpu, n: number): Tensor {
  return cachedVector(meanCache, gpu, n, 1 / n);
}

/** Backward of the heads: accumulates head weight grads, returns dY [B, S, D]. */
function headsBackward(
  ctx: NetContext,
  tape: StepTape,
  dLogits: Tensor,
  dq: Tensor,
  grads: GradMap,
): Tensor {
  const { gpu, config, weights } = ctx;
  const { prefixLen } = derivedSizes(config);
  const { batch: b, seq: s } = tape.shape;
  const d = config.dim;
  const L = config.seqLen;
  const dY = gpu.zeros([b, s, d]);
  // Language-model head on the grid positions.
  const yGrid = sliceSequence(gpu, tape.headInput, { start: prefixLen, length: L });
  const wLm = weights.get("inner.lm_head.weight")!;
  const v = config.vocabSize;
  matmul(gpu, dLogits, yGrid, {
    batch: 1,
    transA: true,
    m: v,
    n: d,
    k: b * L,
    beta: 1,
    out: grads.get("inner.lm_head.weight")!,
  });
  yGrid.release();
  const dGrid = matmul(gpu, dLogits, wLm, { batch: 1, m: b * L, n: d, k: v });
  addToSequence(gpu, dY, dGrid.reshape([b, L, d]), { start: prefixLen });
  dGrid.release();
  // Halting head.
  const pooled = haltInput(ctx, tape.shape, tape.headInput);
  matmul(gpu, dq, pooled, {
    batch: 1,
    transA: true,
    m: 2,
    n: d,
    k: b,
    beta: 1,
    out: grads.get("inner.q_head.weight")!,
  });
  pooled.release();
  const ones = cachedVector(onesCache, gpu, b, 1);
  matmul(gpu, dq, ones.reshape([b, 1]), {
    batch: 1,
    transA: true,
    m: 2,
    n: 1,
    k: b,
    beta: 1,
    out: grads.get("inner.q_head.bias")!,
  });
  const dPooled = matmul(gpu, dq, weights.get("inner.q_head.weight")!, {
    batch: 1,
    m: b,
    n: d,
    k: 2,
  });
  if (config.haltHead === "official") {
    addToSequence(gpu, dY, dPooled.reshape([b, 1, d]), { start: 0 });
  } else {
    // dY[b] += (1/S)·1 [S, 1] · dPooled[b] [1, D]
    matmul(gpu, meanWeights(gpu, s).reshape([1, s]), dPooled, {
      transA: true,
      m: s,
      n: d,
      k: 1,
      batch: b,
      strideA: 0,
      strideB: d,
      strideC: s * d,
      beta: 1,
      out: dY,
    });
  }
  dPooled.release();
  return dY;
}

/**
 * Backward of a supervision step from the gradients of its outputs. Adds every weight
 * gradient into `grads`; returns the puzzle-embedding row gradients [B, D] when the
 * model has a puzzle prefix (for the sparse sign-SGD), else undefined. Releases the tape.
 */
export function stepBackward(
  ctx: NetContext,
  tape: StepTape,
  dLogits: Tensor,
  dq: Tensor,
  grads: GradMap,
): Tensor | undefined {
  const { gpu, config } = ctx;
  const dY = headsBackward(ctx, tape, dLogits, dq, grads);
  tape.headInput.release();
  // y1 = net(y0, z_n): d(y0 + z_n) = dSum; y0 is detached, so dz_n = dSum.
  let dz = netBackward(ctx, tape.shape, tape.answerTape, dY, grads);
  let dInj: Tensor | undefined;
  for (let i = tape.latentTapes.length - 1; i >= 0; i--) {
    // z_i = net(z_{i-1}, inj): d(z_{i-1} + inj) = dSum feeds both z_{i-1} and inj.
    const dSum = netBackward(ctx, tape.shape, tape.latentTapes[i], dz, grads);
    if (!dInj) dInj = copy(gpu, dSum);
    else addInto(gpu, dInj, dSum);
    dz = dSum;
  }
  dz.release();
  // inj = y0 + x with y0 detached: dx = dInj.
  const dX = dInj!;
  const { prefixLen, totalSeqLen } = derivedSizes(config);
  const scale = embeddingScale(ctx);
  const dTable = embeddingBackward(gpu, tape.ids, dX, {
    vocabSize: config.vocabSize,
    scale,
    prefixLen,
  });
  addInto(gpu, grads.get("inner.embed_tokens.embedding_weight")!, dTable);
  dTable.release();
  if (config.posEncoding === "learned") {
    const cols = totalSeqLen * config.dim;
    const dPos = sumRows(gpu, dX, { rows: tape.shape.batch, cols, scale });
    addInto(gpu, grads.get("inner.embed_pos.embedding_weight")!, dPos);
    dPos.release();
  }
  const rows = prefixLen > 0 ? puzzleEmbeddingGrad(gpu, dX, { scale }) : undefined;
  dX.release();
  return rows;
}
