/**
 * The official TRM configuration names as aliases of ours, so that a checkpoint whose
 * metadata holds the official model config (`TinyRecursiveReasoningModel_ACTV1Config`,
 * e.g. `{"hidden_size": 512, "H_cycles": 3, …}`) loads. `tools/convert_official.py` applies
 * the same rules in Python (and writes our names); keep the two in step.
 *
 * @module
 */
import { ModelConfigError, type ModelConfigInput } from "./config.ts";

/**
 * The official model config (`TinyRecursiveReasoningModel_ACTV1Config`: the arch section of
 * the Hydra config plus the dataset's sizes). Other keys, ours included, may sit beside.
 */
export interface OfficialModelConfig {
  /** The Hydra arch name; only `recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1`. */
  name?: string;
  /** The loss head; `loss_type` `stablemax_cross_entropy` or `softmax_cross_entropy`. */
  loss?: { name?: string; loss_type?: string };
  /** Our `vocabSize`. */
  vocab_size: number;
  /** Our `seqLen`. */
  seq_len: number;
  /** Our `numPuzzleIdentifiers`. */
  num_puzzle_identifiers: number;
  /** Our `dim`. */
  hidden_size: number;
  /** Our `numLayers`. */
  L_layers: number;
  /** Ignored by the official TRM too. */
  H_layers?: number;
  /** Our `numHeads`. */
  num_heads: number;
  /** Our `tCycles` (T). */
  H_cycles: number;
  /** Our `nRecursions` (n). */
  L_cycles: number;
  /** Our `expansion`. */
  expansion: number;
  /** Our `useMlpMixer` (default false). */
  mlp_t?: boolean;
  /** Our `posEncoding`: `rope`, `none` or `learned`. */
  pos_encodings: string;
  /** Our `ropeBase` (default 10000). */
  rope_theta?: number;
  /** Our `rmsNormEps` (default 1e-5). */
  rms_norm_eps?: number;
  /** Our `maxSupervisionSteps`. */
  halt_max_steps: number;
  /** Our `haltExplorationProb`. */
  halt_exploration_prob?: number;
  /** Puzzle vector width (default 0: none); at most `hidden_size` here. */
  puzzle_emb_ndim?: number;
  /** Prefix tokens (default 16; 0: ceil(puzzle_emb_ndim / hidden_size)). */
  puzzle_emb_len?: number;
  /** Must be true (the official default): halting on q_halt alone. */
  no_ACT_continue?: boolean;
  /** Ignored: our kernels compute in f32. */
  forward_dtype?: string;
  /** Anything else passes on to our config schema. */
  [key: string]: unknown;
}

/**
 * Official config key → our key, for the keys that carry over one to one. The rest of the
 * official keys are handled by {@linkcode fromOfficialConfig}: `puzzle_emb_ndim` and
 * `puzzle_emb_len` give `puzzleEmbLen`, `loss.loss_type` gives `lossKind`, and `name`,
 * `no_ACT_continue`, `H_layers`, `batch_size`, `forward_dtype` are checked or ignored.
 */
export const OFFICIAL_CONFIG_ALIASES: Readonly<Record<string, keyof ModelConfigInput>> = Object
  .freeze({
    vocab_size: "vocabSize",
    seq_len: "seqLen",
    num_puzzle_identifiers: "numPuzzleIdentifiers",
    hidden_size: "dim",
    L_layers: "numLayers",
    num_heads: "numHeads",
    H_cycles: "tCycles",
    L_cycles: "nRecursions",
    expansion: "expansion",
    mlp_t: "useMlpMixer",
    pos_encodings: "posEncoding",
    rope_theta: "ropeBase",
    rms_norm_eps: "rmsNormEps",
    halt_max_steps: "maxSupervisionSteps",
    halt_exploration_prob: "haltExplorationProb",
  });

/**
 * Official keys without a default in the official config class that shape the network: a
 * config missing one is refused rather than filled with our default (our `seqLen` default
 * of 81 would silently misread a maze model, for one).
 */
const REQUIRED = [
  "vocab_size",
  "seq_len",
  "num_puzzle_identifiers",
  "hidden_size",
  "L_layers",
  "num_heads",
  "H_cycles",
  "L_cycles",
  "expansion",
  "pos_encodings",
  "halt_max_steps",
];

/** The only official architecture whose numerics ours reproduce. */
const TRM_ARCH = "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1";

/** Official `loss_type` → our `lossKind`. */
const LOSS_KINDS: Record<string, "stablemax" | "softmax"> = {
  stablemax_cross_entropy: "stablemax",
  softmax_cross_entropy: "softmax",
};

/** Keys only the official config has: any one marks a config as official. */
const OFFICIAL_MARKERS = ["hidden_size", "H_cycles", "L_cycles", "L_layers", "vocab_size"];

/** Whether `raw` uses the official names (then {@linkcode fromOfficialConfig} reads it). */
export function isOfficialConfig(raw: unknown): raw is OfficialModelConfig {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) &&
    OFFICIAL_MARKERS.some((k) => k in raw);
}

/**
 * Translates an official TRM model config to ours. Our own keys may sit beside the
 * official ones (e.g. `haltHead`) and pass through, but one that contradicts a translated
 * official key is refused. Values are not validated here: {@linkcode parseModelConfig}
 * does that on the result.
 *
 * @throws ModelConfigError (one line) for a missing key, another architecture, Q-continue
 *   halting, or a puzzle embedding wider than one token
 * @example
 * ```ts
 * import { fromOfficialConfig } from "./official_config.ts";
 * const ours = fromOfficialConfig({
 *   vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, hidden_size: 512, L_layers: 2,
 *   num_heads: 8, H_cycles: 3, L_cycles: 6, expansion: 4, pos_encodings: "none", mlp_t: true,
 *   halt_max_steps: 16, puzzle_emb_ndim: 512, puzzle_emb_len: 16,
 * });
 * console.log(ours.tCycles, ours.nRecursions, ours.puzzleEmbLen); // 3 6 16
 * ```
 */
export function fromOfficialConfig(raw: OfficialModelConfig): ModelConfigInput {
  const fail = (message: string): never => {
    throw new ModelConfigError(`official config: ${message}`);
  };
  if (raw.name !== undefined && raw.name !== TRM_ARCH) {
    fail(`unsupported architecture ${JSON.stringify(raw.name)} (only ${TRM_ARCH} converts)`);
  }
  const missing = REQUIRED.filter((k) => raw[k] === undefined);
  if (missing.length > 0) fail(`missing ${missing.join(", ")}`);
  // no_ACT_continue: false halts on q_halt > q_continue; ours halts on q_halt alone.
  if (raw.no_ACT_continue === false) {
    fail("no_ACT_continue: false (Q-continue halting) is not supported");
  }

  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (raw[key] !== undefined && raw[key] !== value) {
      fail(
        `${key} is ${JSON.stringify(raw[key])} but the official keys say ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  };
  // Everything but the aliased keys passes on: our own keys are validated by
  // parseModelConfig, the other official ones (name, loss, H_layers, batch_size,
  // forward_dtype: we always compute in f32) are dropped by its schema.
  for (const [k, v] of Object.entries(raw)) if (!(k in OFFICIAL_CONFIG_ALIASES)) out[k] = v;
  for (const [official, ours] of Object.entries(OFFICIAL_CONFIG_ALIASES)) {
    if (raw[official] !== undefined) set(ours, raw[official]);
  }
  set("puzzleEmbLen", officialPrefixLength(raw, fail));
  const loss = raw.loss;
  if (loss?.loss_type !== undefined) {
    const kind = LOSS_KINDS[String(loss.loss_type)];
    if (!kind) fail(`unsupported loss_type ${JSON.stringify(loss.loss_type)}`);
    set("lossKind", kind);
  }
  return out as ModelConfigInput;
}

/**
 * The official puzzle-embedding prefix length: `puzzle_emb_len` when non-zero, else
 * ceil(puzzle_emb_ndim / hidden_size). Ours puts the puzzle vector in prefix token 0 only,
 * so `puzzle_emb_ndim` may not exceed `hidden_size` (a narrower one is zero-padded to
 * `hidden_size` by the converter, which is what the official model does at run time).
 */
function officialPrefixLength(raw: OfficialModelConfig, fail: (m: string) => never): number {
  const ndim = Number(raw.puzzle_emb_ndim ?? 0);
  const len = Number(raw.puzzle_emb_len ?? 16); // the official class's default
  const hidden = Number(raw.hidden_size);
  if (ndim === 0) {
    // The official model adds no prefix then but sizes its carry with one, so only
    // puzzle_emb_len 0 runs.
    if (len !== 0) fail(`puzzle_emb_ndim 0 needs puzzle_emb_len 0 (got ${len})`);
    return 0;
  }
  if (ndim > hidden) {
    fail(
      `puzzle_emb_ndim ${ndim} > hidden_size ${hidden} (multi-token puzzle embeddings) is not supported`,
    );
  }
  return len !== 0 ? len : 1;
}

/** Our config from either naming: official configs are translated, ours pass as they are. */
export function normalizeConfigInput(raw: unknown): ModelConfigInput {
  return (isOfficialConfig(raw) ? fromOfficialConfig(raw) : raw) as ModelConfigInput;
}
