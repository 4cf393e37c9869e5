/**
 * Plain TypeScript references for the training kernels (slot selection, halting update,
 * metrics accumulation) and for one optimizer step, in float64.
 */

/** Row r of dst becomes row r of src where mask[r] != 0. */
export function selectRowsRef(
  dst: ArrayLike<number>,
  src: ArrayLike<number>,
  mask: ArrayLike<number>,
): number[] {
  const rowLen = dst.length / mask.length;
  return Array.from(dst, (v, i) => (mask[Math.floor(i / rowLen)] ? src[i] : v));
}

/** Every element of row r becomes vector[i % D] where mask[r] != 0. */
export function resetRowsRef(
  dst: ArrayLike<number>,
  vector: ArrayLike<number>,
  mask: ArrayLike<number>,
): number[] {
  const rowLen = dst.length / mask.length;
  return Array.from(
    dst,
    (v, i) => (mask[Math.floor(i / rowLen)] ? vector[(i % rowLen) % vector.length] : v),
  );
}

/** The official ACT halting rule (models/recursive_reasoning/trm.py). */
export function haltingUpdateRef(
  steps: ArrayLike<number>,
  halted: ArrayLike<number>,
  q: ArrayLike<number>,
  minSteps: ArrayLike<number>,
  maxSteps: number,
  training: boolean,
): { steps: number[]; halted: number[] } {
  const outSteps: number[] = [], outHalted: number[] = [];
  for (let b = 0; b < steps.length; b++) {
    const s = (halted[b] ? 0 : steps[b]) + 1;
    let h = s >= maxSteps;
    if (training && maxSteps > 1) h = (h || q[2 * b] > 0) && s >= minSteps[b];
    outSteps.push(s);
    outHalted.push(h ? 1 : 0);
  }
  return { steps: outSteps, halted: outHalted };
}

/** One step's metric sums (fields as METRIC_FIELDS 0..6). */
export function metricsRef(
  seqStats: ArrayLike<number>,
  q: ArrayLike<number>,
  haltLoss: ArrayLike<number>,
  halted: ArrayLike<number>,
  steps: ArrayLike<number>,
): number[] {
  const m = new Array(7).fill(0);
  for (let b = 0; b < halted.length; b++) {
    const valid = seqStats[4 * b + 1], correct = seqStats[4 * b + 2], all = seqStats[4 * b + 3];
    m[5] += seqStats[4 * b];
    m[6] += haltLoss[b];
    if (halted[b] && valid > 0) {
      m[0] += 1;
      m[1] += correct / valid;
      m[2] += all;
      m[3] += ((q[2 * b] >= 0 ? 1 : 0) === all) ? 1 : 0;
      m[4] += steps[b];
    }
  }
  return m;
}

/** One Adam-atan2 or AdamW step (PyTorch semantics), float64. */
export function adamRef(
  param: ArrayLike<number>,
  grad: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  o: {
    lr: number;
    beta1: number;
    beta2: number;
    weightDecay: number;
    step: number;
    eps: number;
    atan2: boolean;
    gradScale?: number;
  },
): { param: number[]; m: number[]; v: number[] } {
  const bc1 = 1 - o.beta1 ** o.step, bc2 = 1 - o.beta2 ** o.step;
  const p2: number[] = [], m2: number[] = [], v2: number[] = [];
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * (o.gradScale ?? 1);
    let p = param[i] * (1 - o.lr * o.weightDecay);
    const mi = o.beta1 * m[i] + (1 - o.beta1) * g;
    const vi = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    const mh = mi / bc1, vh = vi / bc2;
    p -= o.atan2 ? o.lr * Math.atan2(mh, Math.sqrt(vh)) : (o.lr * mh) / (Math.sqrt(vh) + o.eps);
    p2.push(p);
    m2.push(mi);
    v2.push(vi);
  }
  return { param: p2, m: m2, v: v2 };
}
