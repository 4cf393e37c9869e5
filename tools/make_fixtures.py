"""Writes the PyTorch parity fixtures for the TRM model (llm.c style).

Run with Debian's torch:  /usr/bin/python3 tools/make_fixtures.py
Outputs, in tests/fixtures/:
  trm_attention.safetensors          official attention model (RoPE, post-norm, stablemax)
  trm_mlp_mixer.safetensors          official MLP-mixer model (no positions, post-norm, stablemax)
  trm_variants_attention.safetensors attention, learned positions, pre-norm, mean-pooled halt
                                     head, softmax loss
  trm_variants_mlp.safetensors       MLP-mixer, learned positions, pre-norm, mean-pooled halt
                                     head, stablemax loss

Each file holds the (perturbed) initial weights under their official state_dict names, the
batch (`fixture.inputs`, `fixture.labels`, `fixture.puzzle_identifiers`), and for 3 deep
supervision steps from the initial carry (steps numbered 1..3):

  fixture.step{k}.logits [B, L, V]   fixture.step{k}.q_halt [B]   fixture.step{k}.q_continue [B]
  fixture.step{k}.y / .z [B, P+L, D] (after the step)
  fixture.step{k}.loss []            = (lm_loss + 0.5 * halt_loss) / B, the backpropagated value
  fixture.step{k}.lm_loss [], .halt_loss [] (sums over the batch), .seq_correct [B] (I32 0/1)
  grad.step{k}.<param name>          d loss_k / d param (fresh zero grads each step)
  grad.step{k}.inner.puzzle_emb.weights        [N_ids, D]  per-row grads summed per puzzle id
  grad.step{k}.inner.puzzle_emb.local_weights  [B, D]      grad of each batch row's puzzle vector

Everything is computed in float64 from weights that are exactly representable in float32,
then stored as F32 (token ids and labels as I32).
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trm_reference import TRM, TRMConfig, act_loss, load_safetensors, save_safetensors, trunc_normal_  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")
BATCH = 3
STEPS = 3


def tiny_config(mixer: bool, **options) -> TRMConfig:
    # D=16 keeps each file well under 1 MB: SwiGLU widths round up to 256 whatever D is, so
    # the MLP dominates and the file holds weights plus three gradients of every parameter.
    fields = dict(
        vocabSize=6, dim=16, numLayers=2, numHeads=2, seqLen=9, puzzleEmbLen=2,
        numPuzzleIdentifiers=3, expansion=4.0, tCycles=2, nRecursions=2,
        useMlpMixer=mixer, posEncoding="none" if mixer else "rope",
    )
    fields.update(options)
    return TRMConfig(**fields)


def variant_config(mixer: bool) -> TRMConfig:
    """The non-official options: learned positions, pre-norm, mean-pooled halting head, and
    softmax loss for attention (the MLP variant keeps stablemax, so both losses meet pre-norm)."""
    return tiny_config(mixer, posEncoding="learned", normPlacement="pre", haltHead="meanPooled",
                       lossKind="stablemax" if mixer else "softmax")


def sudoku_config(mixer: bool) -> TRMConfig:
    return TRMConfig(
        vocabSize=11, dim=512, numLayers=2, numHeads=8, seqLen=81, puzzleEmbLen=16,
        numPuzzleIdentifiers=1, expansion=4.0, tCycles=3, nRecursions=6,
        useMlpMixer=mixer, posEncoding="none" if mixer else "rope",
    )


def check_parameter_counts() -> None:
    expected = {"sudoku-mlp": (True, 5_028_866), "sudoku-attention": (False, 6_828_034)}
    for name, (mixer, want) in expected.items():
        got = TRM(sudoku_config(mixer)).num_parameters()
        print(f"parameter count {name}: {got:,} (official {want:,}) {'OK' if got == want else 'MISMATCH'}")
        if got != want:
            raise SystemExit(f"parameter count mismatch for {name}")


def to_f32_exact(model: TRM) -> None:
    """Round every parameter and buffer to float32 so the stored F32 weights are exact."""
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            t.copy_(t.float().to(t.dtype))


def perturb(model: TRM, gen: torch.Generator) -> None:
    """Make the zero/constant-initialised tensors non-trivial so every gradient is informative."""
    inner = model.inner
    D = model.cfg.dim
    with torch.no_grad():
        trunc_normal_(inner.q_head.weight, 1 / math.sqrt(D), gen)
        inner.q_head.bias.copy_(torch.empty(2, dtype=torch.float64).uniform_(-1, 1, generator=gen))
        trunc_normal_(inner.puzzle_emb.weights, 1 / math.sqrt(D), gen)
    # inner.embed_pos (learned positions) needs nothing: its official init is already a
    # trunc-normal draw, distinct for every position (checked in make()).


def run_steps(model: TRM, inputs, labels, ids):
    """Three supervision steps from the initial carry; returns one record per step."""
    cfg = model.cfg
    y, z = model.initial_carry(inputs.shape[0])
    records = []
    for _ in range(STEPS):
        for p in model.parameters():
            p.grad = None
        rows = model.inner.puzzle_emb.weights[ids.long()].clone().requires_grad_(True)
        y, z, logits, q_halt, q_cont = model.supervision_step(y, z, inputs, rows)
        total, lm, halt, seq_correct = act_loss(logits, q_halt, labels, cfg.ignoreIndex, cfg.lossKind)
        loss = total / inputs.shape[0]
        loss.backward()
        table_grad = torch.zeros_like(model.inner.puzzle_emb.weights).index_add_(0, ids.long(), rows.grad)
        records.append(dict(
            logits=logits.detach(), q_halt=q_halt.detach(), q_continue=q_cont.detach(),
            y=y.detach(), z=z.detach(), loss=loss.detach(), lm_loss=lm.detach(), halt_loss=halt.detach(),
            seq_correct=seq_correct.to(torch.int32),
            grads={n: p.grad.detach().clone() for n, p in model.named_parameters()},
            puzzle_rows_grad=rows.grad.detach().clone(), puzzle_table_grad=table_grad,
        ))
        y, z = y.detach(), z.detach()
    return records


def min_top2_margin(records, labels, ignore) -> float:
    """Smallest gap between the two largest logits at a labelled position (argmax robustness)."""
    m = math.inf
    mask = labels != ignore
    for r in records:
        top2 = r["logits"].topk(2, dim=-1).values
        gap = (top2[..., 0] - top2[..., 1])[mask]
        m = min(m, gap.min().item())
    return m


def make(name: str, cfg: TRMConfig, seed: int) -> None:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = TRM(cfg, seed=seed)
    perturb(model, gen)
    to_f32_exact(model)
    model = model.double()
    if cfg.posEncoding == "learned":
        pos = model.inner.embed_pos.embedding_weight
        assert torch.cdist(pos, pos).add(torch.eye(len(pos), dtype=pos.dtype)).min() > 0.1, "degenerate embed_pos"

    V, L, B = cfg.vocabSize, cfg.seqLen, BATCH
    inputs = torch.randint(1, V, (B, L), generator=gen, dtype=torch.int64).to(torch.int32)
    ids = torch.randint(0, cfg.numPuzzleIdentifiers, (B,), generator=gen, dtype=torch.int64).to(torch.int32)
    ids[2] = ids[0]  # a repeated id: the table gradient must sum rows per id
    labels = torch.randint(1, V, (B, L), generator=gen, dtype=torch.int64).to(torch.int32)
    ignore = torch.rand(B, L, generator=gen) < 0.25
    labels[ignore] = cfg.ignoreIndex

    # Row 0's labels are the step-1 predictions (ignored positions kept), so the halt target
    # is 1 there and 0 elsewhere: both branches of the BCE are exercised.
    dry = run_steps(model, inputs, labels, ids)
    preds = dry[0]["logits"].argmax(-1).to(torch.int32)
    labels[0] = torch.where(labels[0] == cfg.ignoreIndex, labels[0], preds[0])
    records = run_steps(model, inputs, labels, ids)
    margin = min_top2_margin(records, labels, cfg.ignoreIndex)
    if margin < 1e-3:
        raise SystemExit(f"{name}: argmax margin {margin} too small for f32 parity; change the seed")

    f32 = lambda t: t.detach().to(torch.float32).numpy()
    tensors = {n: f32(t) for n, t in model.state_dict().items()}
    tensors["fixture.inputs"] = inputs.numpy().astype("<i4")
    tensors["fixture.labels"] = labels.numpy().astype("<i4")
    tensors["fixture.puzzle_identifiers"] = ids.numpy().astype("<i4")
    for k, r in enumerate(records, start=1):
        p = f"fixture.step{k}."
        for key in ("logits", "q_halt", "q_continue", "y", "z", "loss", "lm_loss", "halt_loss"):
            tensors[p + key] = f32(r[key])
        tensors[p + "seq_correct"] = r["seq_correct"].numpy().astype("<i4")
        for n, g in r["grads"].items():
            tensors[f"grad.step{k}.{n}"] = f32(g)
        tensors[f"grad.step{k}.inner.puzzle_emb.weights"] = f32(r["puzzle_table_grad"])
        tensors[f"grad.step{k}.inner.puzzle_emb.local_weights"] = f32(r["puzzle_rows_grad"])

    fixture_info = {
        "batch": B, "steps": STEPS, "stepNumbering": "1-based", "seed": seed,
        "computeDtype": "float64", "storedDtype": "F32 (ids and labels I32)",
        "loss": "(lm_loss + 0.5 * halt_loss) / batch; lm_loss = sum_b mean over valid tokens of "
                f"{cfg.lossKind} CE; halt_loss = sum_b BCEWithLogits(q_halt, seq_correct)",
        "carry": "step 1 starts from y = H_init, z = L_init broadcast; y, z detached between steps",
        "gradients": "grad.step{k}.X = d fixture.step{k}.loss / d X, zeroed before each step",
        "minTop2LogitMargin": margin,
    }
    metadata = {"format": "pt", "config": cfg.to_json(), "fixture": json.dumps(fixture_info, sort_keys=True)}
    path = os.path.join(OUT_DIR, f"{name}.safetensors")
    size = save_safetensors(path, tensors, metadata)

    back, meta = load_safetensors(path)
    assert json.loads(meta["config"]) == json.loads(cfg.to_json())
    for n, t in tensors.items():
        assert back[n].shape == t.shape and np.array_equal(back[n], t), n
    r0 = records[0]
    print(f"{name}: {size:,} bytes, {len(tensors)} tensors, {model.num_parameters():,} params; "
          f"losses {[round(r['loss'].item(), 6) for r in records]}, "
          f"q_halt step1 {r0['q_halt'].numpy().round(4).tolist()}, "
          f"seq_correct {[r['seq_correct'].tolist() for r in records]}, margin {margin:.4g}")


def main() -> None:
    torch.set_num_threads(1)
    check_parameter_counts()
    os.makedirs(OUT_DIR, exist_ok=True)
    make("trm_attention", tiny_config(False), seed=1)
    make("trm_mlp_mixer", tiny_config(True), seed=2)
    make("trm_variants_attention", variant_config(False), seed=3)
    make("trm_variants_mlp", variant_config(True), seed=4)


if __name__ == "__main__":
    main()
