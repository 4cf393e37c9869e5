"""Writes the official-checkpoint conversion fixtures: run with /usr/bin/python3 tools/make_official_fixture.py

For each of two tiny models built by the reference (tools/trm_reference.py), in
tests/fixtures/:

  official_<name>.pt                 its state_dict as the official pretrain.py saves it: names
                                     `_orig_mod.model.inner.…` (torch.compile around ACTLossHead),
                                     puzzle_emb.weights [N_ids, puzzle_emb_ndim], H_init/L_init in
                                     bf16 (the official forward_dtype buffers)
  official_<name>.yaml               its Hydra config, as the official run writes it
  official_<name>.safetensors        what tools/convert_official.py makes of the two
  official_<name>.expected.safetensors   the reference's predictions, run from the weights the
                                     .pt holds: inputs, puzzle ids, and per supervision step
                                     (official evaluation: from the initial carry, every step
                                     to halt_max_steps) logits [B, L, V], q_halt [B], and the
                                     argmax answer after the last step

  attention  RoPE attention, all_config.yaml layout (arch nested, pretrain keys beside it),
             puzzle_emb_ndim < hidden_size (the converter zero-pads), seq_len via --seq-len
  mlp        MLP-mixer, an arch yaml with `puzzle_emb_ndim: ${.hidden_size}`, every tensor
             in bf16, seq_len read off the mixer's weights

tests/model/convert_test.ts loads the converted files with our loader and checks our
predictions against these (CI needs no Python).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import torch
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trm_reference import TRM, TRMConfig, load_safetensors, save_safetensors, trunc_normal_  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")
BATCH = 2

# D = 8 and one layer keep each file a few tens of KB (SwiGLU widths round up to 256).
VARIANTS = {
    "attention": dict(
        cfg=dict(vocabSize=6, dim=8, numLayers=1, numHeads=2, seqLen=9, puzzleEmbLen=2, numPuzzleIdentifiers=3,
                 tCycles=3, nRecursions=2, useMlpMixer=False, posEncoding="rope"),
        puzzle_emb_ndim=5, halt_max_steps=3, all_bf16=False, layout="all_config", seed=11,
    ),
    "mlp": dict(
        cfg=dict(vocabSize=5, dim=8, numLayers=1, numHeads=2, seqLen=4, puzzleEmbLen=2, numPuzzleIdentifiers=1,
                 tCycles=2, nRecursions=3, useMlpMixer=True, posEncoding="none"),
        puzzle_emb_ndim=8, halt_max_steps=2, all_bf16=True, layout="arch", seed=12,
    ),
}


def official_arch(cfg: TRMConfig, v: dict) -> dict:
    """The arch section as the official config/arch/trm.yaml spells it."""
    return {
        "name": "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1",
        "loss": {"name": "losses@ACTLossHead", "loss_type": "stablemax_cross_entropy"},
        "halt_exploration_prob": 0.1, "halt_max_steps": v["halt_max_steps"],
        "H_cycles": cfg.tCycles, "L_cycles": cfg.nRecursions, "H_layers": 0, "L_layers": cfg.numLayers,
        "hidden_size": cfg.dim, "num_heads": cfg.numHeads, "expansion": 4,
        "puzzle_emb_ndim": v["puzzle_emb_ndim"], "pos_encodings": cfg.posEncoding, "forward_dtype": "bfloat16",
        "mlp_t": cfg.useMlpMixer, "puzzle_emb_len": cfg.puzzleEmbLen, "no_ACT_continue": True,
    }


def write_yaml(path: str, cfg: TRMConfig, v: dict) -> None:
    arch = official_arch(cfg, v)
    if v["layout"] == "all_config":
        # pretrain.py's yaml.dump(config.model_dump()): arch nested, training keys beside it;
        # the dataset sizes are not in it (they come from data_paths' dataset.json).
        doc = {"arch": arch, "data_paths": ["data/none"], "global_batch_size": 768, "epochs": 100000,
               "lr": 1e-4, "lr_min_ratio": 1.0, "lr_warmup_steps": 2000, "weight_decay": 0.1, "beta1": 0.9,
               "beta2": 0.95, "puzzle_emb_lr": 1e-2, "puzzle_emb_weight_decay": 0.1, "seed": 0, "ema": True}
        text = yaml.safe_dump(doc, sort_keys=True)
    else:
        arch["puzzle_emb_ndim"] = "${.hidden_size}"  # as config/arch/trm.yaml writes it
        text = yaml.safe_dump(arch, sort_keys=False)
    with open(path, "w") as f:
        f.write(text)


def build(cfg: TRMConfig, v: dict) -> tuple:
    """The reference model with every tensor at the value the official checkpoint stores,
    and that checkpoint's state_dict."""
    gen = torch.Generator().manual_seed(v["seed"] + 1000)
    model = TRM(cfg, seed=v["seed"])
    inner = model.inner
    with torch.no_grad():
        # Trained-looking values where the official init is constant, so they matter.
        trunc_normal_(inner.q_head.weight, 1 / math.sqrt(cfg.dim), gen)
        inner.q_head.bias.copy_(torch.empty(2).uniform_(-1, 1, generator=gen))
        trunc_normal_(inner.puzzle_emb.weights, 1.0, gen)
        inner.puzzle_emb.weights[:, v["puzzle_emb_ndim"]:] = 0  # the official padding
    official = {}
    for name, t in model.state_dict().items():
        low = v["all_bf16"] or name in ("inner.H_init", "inner.L_init")
        stored = t.to(torch.bfloat16) if low else t.to(torch.float32)
        if name == "inner.puzzle_emb.weights":
            stored = stored[:, : v["puzzle_emb_ndim"]].clone()
        official["_orig_mod.model." + name] = stored.clone()
    # The reference then computes (in float64) from exactly what the checkpoint holds.
    sd = {n[len("_orig_mod.model."):]: t.to(torch.float64) for n, t in official.items()}
    sd["inner.puzzle_emb.weights"] = torch.nn.functional.pad(
        sd["inner.puzzle_emb.weights"], (0, cfg.dim - v["puzzle_emb_ndim"]))
    model = model.double()
    model.load_state_dict(sd)
    return model, official


@torch.no_grad()
def predict(model: TRM, inputs: torch.Tensor, ids: torch.Tensor, steps: int) -> list:
    """Official evaluation: from the initial carry, `steps` supervision steps."""
    y, z = model.initial_carry(inputs.shape[0])
    rows = model.inner.puzzle_emb.weights[ids.long()]
    out = []
    for _ in range(steps):
        y, z, logits, q_halt, _ = model.supervision_step(y, z, inputs, rows)
        out.append((logits, q_halt))
    return out


def min_margin(records) -> float:
    """Smallest gap between the two largest logits anywhere: argmax must not be a coin toss."""
    return min((lambda t: (t[..., 0] - t[..., 1]).min().item())(r[0].topk(2, dim=-1).values) for r in records)


def make(name: str, v: dict) -> None:
    cfg = TRMConfig(**v["cfg"])
    model, official = build(cfg, v)
    base = os.path.join(OUT_DIR, f"official_{name}")
    torch.save(official, base + ".pt")
    write_yaml(base + ".yaml", cfg, v)
    cmd = [sys.executable, os.path.join(ROOT, "tools", "convert_official.py"), "--checkpoint", base + ".pt",
           "--config", base + ".yaml", "--out", base + ".safetensors"]
    if not cfg.useMlpMixer:
        cmd += ["--seq-len", str(cfg.seqLen)]
    subprocess.run(cmd, check=True)

    gen = torch.Generator().manual_seed(v["seed"] + 2000)
    inputs = torch.randint(1, cfg.vocabSize, (BATCH, cfg.seqLen), generator=gen).to(torch.int32)
    ids = torch.randint(0, cfg.numPuzzleIdentifiers, (BATCH,), generator=gen).to(torch.int32)
    records = predict(model, inputs, ids, v["halt_max_steps"])
    margin = min_margin(records)
    if margin < 1e-3:
        raise SystemExit(f"{name}: argmax margin {margin} too small for f32 parity; change the seed")

    # The converted file, read back into a fresh reference, must give the same numbers.
    back, meta = load_safetensors(base + ".safetensors")
    ours = json.loads(meta["config"])
    again = TRM(TRMConfig(**{k: ours[k] for k in TRMConfig.__dataclass_fields__})).double()
    again.load_state_dict({n: torch.from_numpy(a.copy()).double() for n, a in back.items()})
    for (l1, q1), (l2, q2) in zip(records, predict(again, inputs, ids, v["halt_max_steps"])):
        assert torch.equal(l1, l2) and torch.equal(q1, q2), f"{name}: converted weights differ"

    f32 = lambda t: t.to(torch.float32).numpy()
    i32 = lambda t: t.to(torch.int32).numpy().astype("<i4")
    expected = {"fixture.inputs": i32(inputs), "fixture.puzzle_identifiers": i32(ids),
                "fixture.answer": i32(records[-1][0].argmax(-1))}
    for k, (logits, q_halt) in enumerate(records, start=1):
        expected[f"fixture.step{k}.logits"] = f32(logits)
        expected[f"fixture.step{k}.q_halt"] = f32(q_halt)
    info = {"batch": BATCH, "steps": len(records), "stepNumbering": "1-based", "computeDtype": "float64",
            "minTop2LogitMargin": margin}
    save_safetensors(base + ".expected.safetensors", expected, {"fixture": json.dumps(info, sort_keys=True)})
    sizes = {ext: os.path.getsize(base + ext) for ext in (".pt", ".yaml", ".safetensors", ".expected.safetensors")}
    print(f"official_{name}: {sizes}, margin {margin:.4g}, answer {expected['fixture.answer'].tolist()}")


def main() -> None:
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, v in VARIANTS.items():
        make(name, v)


if __name__ == "__main__":
    main()
