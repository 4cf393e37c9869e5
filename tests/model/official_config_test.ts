/**
 * The official TRM config names as aliases of ours (src/model/official_config.ts): the
 * official Sudoku and Maze configurations translate to our presets, every unsupported
 * case is refused in one line, and the loader reads official names from a checkpoint.
 */
import assert from "node:assert/strict";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/model/checkpoint.ts";
import { ModelConfigError, parseModelConfig, presets } from "../../src/model/config.ts";
import {
  fromOfficialConfig,
  isOfficialConfig,
  normalizeConfigInput,
  type OfficialModelConfig,
} from "../../src/model/official_config.ts";
import { initialValues } from "../../src/model/params.ts";
import { parseSafetensors, serializeSafetensors } from "../../src/model/safetensors.ts";

/** config/arch/trm.yaml with the Sudoku-Extreme dataset's sizes (the official model config). */
const OFFICIAL_SUDOKU = {
  name: "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1",
  loss: { name: "losses@ACTLossHead", loss_type: "stablemax_cross_entropy" },
  batch_size: 768,
  vocab_size: 11,
  seq_len: 81,
  num_puzzle_identifiers: 1,
  halt_exploration_prob: 0.1,
  halt_max_steps: 16,
  H_cycles: 3,
  L_cycles: 6,
  H_layers: 0,
  L_layers: 2,
  hidden_size: 512,
  num_heads: 8,
  expansion: 4,
  puzzle_emb_ndim: 512,
  pos_encodings: "rope",
  forward_dtype: "bfloat16",
  mlp_t: false,
  puzzle_emb_len: 16,
  no_ACT_continue: true,
};

// Partial and wrong configs on purpose: the JSON a loader meets is not type-checked.
const official = (raw: Record<string, unknown>) => raw as OfficialModelConfig;
const parseOfficial = (raw: Record<string, unknown>) =>
  parseModelConfig(fromOfficialConfig(official(raw)));

Deno.test("official configs translate to our presets", () => {
  assert.deepEqual(parseOfficial(OFFICIAL_SUDOKU), parseModelConfig(presets.sudokuAttention));
  // The README's Sudoku-MLP run: arch.mlp_t=True arch.pos_encodings=none.
  assert.deepEqual(
    parseOfficial({ ...OFFICIAL_SUDOKU, mlp_t: true, pos_encodings: "none" }),
    parseModelConfig(presets.sudokuMlp),
  );
  // Maze-Hard: 30×30 grids, vocab 6, L_cycles 4 in the official command.
  assert.deepEqual(
    parseOfficial({ ...OFFICIAL_SUDOKU, vocab_size: 6, seq_len: 900, L_cycles: 4 }),
    parseModelConfig({ ...presets.maze, nRecursions: 4 }),
  );
});

Deno.test("each official name lands on our field", () => {
  const ours = parseOfficial({
    ...OFFICIAL_SUDOKU,
    rope_theta: 5000,
    rms_norm_eps: 1e-6,
    halt_exploration_prob: 0.25,
    halt_max_steps: 8,
    expansion: 2,
    loss: { loss_type: "softmax_cross_entropy" },
    pos_encodings: "learned",
  });
  assert.equal(ours.ropeBase, 5000);
  assert.equal(ours.rmsNormEps, 1e-6);
  assert.equal(ours.haltExplorationProb, 0.25);
  assert.equal(ours.maxSupervisionSteps, 8);
  assert.equal(ours.expansion, 2);
  assert.equal(ours.lossKind, "softmax");
  assert.equal(ours.posEncoding, "learned");
  assert.equal(ours.tCycles, 3);
  assert.equal(ours.nRecursions, 6);
});

Deno.test("the puzzle-embedding prefix follows the official rule", () => {
  const len = (ndim: number, puzzle_emb_len: number) =>
    parseOfficial({ ...OFFICIAL_SUDOKU, puzzle_emb_ndim: ndim, puzzle_emb_len }).puzzleEmbLen;
  assert.equal(len(512, 16), 16);
  assert.equal(len(512, 0), 1); // ceil(ndim / hidden_size)
  assert.equal(len(100, 0), 1);
  assert.equal(len(0, 0), 0);
  // The official class's default puzzle_emb_len is 16.
  const { puzzle_emb_len: _, ...withoutLen } = OFFICIAL_SUDOKU;
  assert.equal(parseOfficial(withoutLen).puzzleEmbLen, 16);
});

Deno.test("unsupported official configs are refused in one line", () => {
  const refused = (raw: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => fromOfficialConfig(official(raw)), (e: Error) => {
      assert.ok(e instanceof ModelConfigError);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"), e.message);
      return true;
    });
  const { seq_len: _s, vocab_size: _v, ...noSizes } = OFFICIAL_SUDOKU;
  refused(noSizes, /missing vocab_size, seq_len/);
  refused(
    { ...OFFICIAL_SUDOKU, name: "recursive_reasoning.hrm@HierarchicalReasoningModel_ACTV1" },
    /unsupported architecture/,
  );
  refused({ ...OFFICIAL_SUDOKU, no_ACT_continue: false }, /Q-continue/);
  refused({ ...OFFICIAL_SUDOKU, puzzle_emb_ndim: 1024 }, /multi-token/);
  refused({ ...OFFICIAL_SUDOKU, puzzle_emb_ndim: 0 }, /puzzle_emb_ndim 0 needs puzzle_emb_len 0/);
  refused({ ...OFFICIAL_SUDOKU, loss: { loss_type: "focal" } }, /unsupported loss_type/);
  refused({ ...OFFICIAL_SUDOKU, tCycles: 2 }, /tCycles is 2 but the official keys say 3/);
});

Deno.test("our own names pass through untouched, and may sit beside official ones", () => {
  assert.equal(isOfficialConfig(presets.sudokuMlp), false);
  assert.equal(normalizeConfigInput(presets.sudokuMlp), presets.sudokuMlp);
  assert.equal(isOfficialConfig(OFFICIAL_SUDOKU), true);
  assert.equal(
    parseOfficial({ ...OFFICIAL_SUDOKU, haltHead: "meanPooled" }).haltHead,
    "meanPooled",
  );
  assert.equal(parseOfficial({ ...OFFICIAL_SUDOKU, tCycles: 3 }).tCycles, 3);
});

Deno.test("the loader reads official config names, from metadata or passed in", () => {
  const tiny = {
    ...OFFICIAL_SUDOKU,
    vocab_size: 6,
    seq_len: 9,
    num_puzzle_identifiers: 3,
    hidden_size: 16,
    num_heads: 2,
    L_layers: 1,
    puzzle_emb_ndim: 16,
    puzzle_emb_len: 2,
  };
  const config = parseOfficial(tiny);
  const ours = encodeCheckpoint(config, initialValues(config, 7));
  const { tensors } = parseSafetensors(ours);
  const official = serializeSafetensors(Object.fromEntries(tensors), {
    config: JSON.stringify(tiny),
  });
  assert.deepEqual(decodeCheckpoint(official).config, config);
  assert.deepEqual(decodeCheckpoint(ours, tiny).config, config);
  const { seq_len: _, ...noSeq } = tiny;
  assert.throws(
    () =>
      decodeCheckpoint(serializeSafetensors(Object.fromEntries(tensors), {
        config: JSON.stringify(noSeq),
      })),
    /the checkpoint's config is invalid: .*official config: missing seq_len/,
  );
});
