"""Converts an official TRM checkpoint (github.com/SamsungSAILMontreal/TinyRecursiveModels)
into our safetensors: the official state_dict names (which ours already are) with the
`_orig_mod.` (torch.compile) and `model.` (ACTLossHead) prefixes stripped, every tensor in
F32, and our config JSON in `__metadata__["config"]` as src/model/checkpoint.ts reads it.

    /usr/bin/python3 tools/convert_official.py --checkpoint checkpoints/.../step_N \
        --config checkpoints/.../all_config.yaml --out model.safetensors [--seq-len 81]

`--config` takes the run's all_config.yaml (arch nested under `arch:`), a cfg_pretrain.yaml
(its `defaults: [arch: X]` read from arch/X.yaml beside it) or an arch yaml itself;
`--set arch.L_cycles=6` applies a Hydra-style override on top. The official config lacks the
dataset's sizes: vocab_size and num_puzzle_identifiers are read off the tensors, seq_len from
`--seq-len`, the config, `<data_paths[0]>/train/dataset.json`, or the MLP-mixer or learned
position tensors, in that order.

Only `recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1` converts (no HRM, no
trm_singlez/trm_hier6, no Q-continue halting, puzzle_emb_ndim <= hidden_size). Every problem
is one line on stderr and exit status 1. Runs on Debian's python3-torch (1.13), CPU only.
The config mapping mirrors src/model/official_config.ts; keep the two in step.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Dict

import numpy as np
import torch
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trm_reference import TRM, TRMConfig, save_safetensors  # noqa: E402

TRM_ARCH = "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1"
PREFIXES = ("_orig_mod.", "model.")
LOSS_KINDS = {"stablemax_cross_entropy": "stablemax", "softmax_cross_entropy": "softmax"}
# Official key -> ours, one to one (src/model/official_config.ts OFFICIAL_CONFIG_ALIASES).
ALIASES = {
    "vocab_size": "vocabSize", "seq_len": "seqLen", "num_puzzle_identifiers": "numPuzzleIdentifiers",
    "hidden_size": "dim", "L_layers": "numLayers", "num_heads": "numHeads", "H_cycles": "tCycles",
    "L_cycles": "nRecursions", "expansion": "expansion", "mlp_t": "useMlpMixer",
    "pos_encodings": "posEncoding", "rope_theta": "ropeBase", "rms_norm_eps": "rmsNormEps",
    "halt_max_steps": "maxSupervisionSteps", "halt_exploration_prob": "haltExplorationProb",
}
# Defaults of the official config class, where it has one.
OFFICIAL_DEFAULTS = {"mlp_t": False, "puzzle_emb_ndim": 0, "puzzle_emb_len": 16, "rms_norm_eps": 1e-5,
                     "rope_theta": 10000.0, "no_ACT_continue": True}
# Our defaults for what the official file may not say (the official trm.yaml values).
OUR_DEFAULTS = {"haltExplorationProb": 0.1, "lossKind": "stablemax"}


class ConvertError(Exception):
    """A problem with the input, reported as one line."""


def read_yaml(path: str) -> dict:
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise ConvertError(f"cannot read {path}: {str(e).splitlines()[0]}")
    if not isinstance(data, dict):
        raise ConvertError(f"{path} is not a YAML mapping")
    return data


def arch_config(path: str, overrides: list) -> tuple:
    """(the arch mapping, the whole file) from an all_config, cfg_pretrain or arch yaml."""
    top = read_yaml(path)
    if isinstance(top.get("arch"), dict):
        arch = dict(top["arch"])
    elif "H_cycles" in top or "hidden_size" in top:
        arch, top = dict(top), {}
    else:
        name = next((d["arch"] for d in top.get("defaults", []) if isinstance(d, dict) and "arch" in d), None)
        if name is None:
            raise ConvertError(f"{path} has no arch config (want all_config.yaml, cfg_pretrain.yaml or arch yaml)")
        arch = read_yaml(os.path.join(os.path.dirname(path), "arch", f"{name}.yaml"))
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConvertError(f"--set wants key=value, got {item!r}")
        key = key.removeprefix("arch.")
        if "." in key:
            raise ConvertError(f"--set {item!r}: only arch keys can be set")
        arch[key] = yaml.safe_load(value)
    # Hydra interpolations the official arch yamls use: ${.hidden_size} (a sibling key).
    for key, value in arch.items():
        m = re.fullmatch(r"\$\{\.?([A-Za-z_]+)\}", str(value)) if isinstance(value, str) else None
        if m:
            if m.group(1) not in arch:
                raise ConvertError(f"{key}: cannot resolve {value}")
            arch[key] = arch[m.group(1)]
    return arch, top


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The checkpoint's tensors by canonical name (prefixes stripped)."""
    try:
        # weights_only: an official checkpoint is a plain state_dict; refuse to run pickled code.
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds; all mean "unreadable"
        raise ConvertError(f"cannot load {path}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ConvertError(f"{path} is not a state_dict (a mapping of names to tensors)")
    out = {}
    for name, t in sd.items():
        n = name
        while n.startswith(PREFIXES):
            n = n[len(next(p for p in PREFIXES if n.startswith(p))):]
        if n in out:
            raise ConvertError(f"two tensors map to {n}")
        out[n] = t
    return out


def find_seq_len(arch: dict, top: dict, sd: Dict[str, torch.Tensor], ours: dict, given) -> int:
    mixer = sd.get("inner.L_level.layers.0.mlp_t.gate_up_proj.weight")
    if ours["useMlpMixer"] and mixer is None:
        raise ConvertError("the config says mlp_t but the checkpoint has no inner.L_level.layers.0.mlp_t tensors")
    if given is not None:
        return given
    if "seq_len" in arch:
        return int(arch["seq_len"])
    for data_path in top.get("data_paths") or []:
        meta = os.path.join(data_path, "train", "dataset.json")
        if os.path.exists(meta):
            with open(meta) as f:
                return int(json.load(f)["seq_len"])
    # The sequence-mixing MLP and learned positions are sized by prefix + seq_len.
    prefix = ours["puzzleEmbLen"]
    if mixer is not None:
        return mixer.shape[1] - prefix
    pos = sd.get("inner.embed_pos.embedding_weight")
    if pos is not None:
        return pos.shape[0] - prefix
    raise ConvertError("seq_len unknown (RoPE models do not store it): pass --seq-len, e.g. 81 for 9x9 Sudoku")


def our_config(arch: dict) -> dict:
    """Our config from the official model config (rules of src/model/official_config.ts)."""
    if arch.get("name", TRM_ARCH) != TRM_ARCH:
        raise ConvertError(f"unsupported architecture {arch['name']!r} (only {TRM_ARCH} converts)")
    a = {**OFFICIAL_DEFAULTS, **arch}
    if a["no_ACT_continue"] is False:
        raise ConvertError("no_ACT_continue: False (Q-continue halting) is not supported")
    missing = [k for k in ("hidden_size", "L_layers", "num_heads", "H_cycles", "L_cycles", "expansion",
                           "pos_encodings", "halt_max_steps") if k not in a]
    if missing:
        raise ConvertError(f"the config lacks {', '.join(missing)}")
    ours = dict(OUR_DEFAULTS)
    ours.update({ALIASES[k]: v for k, v in a.items() if k in ALIASES})
    ndim, length, hidden = int(a["puzzle_emb_ndim"]), int(a["puzzle_emb_len"]), int(a["hidden_size"])
    if ndim == 0 and length != 0:
        raise ConvertError(f"puzzle_emb_ndim 0 needs puzzle_emb_len 0 (got {length})")
    if ndim > hidden:
        raise ConvertError(f"puzzle_emb_ndim {ndim} > hidden_size {hidden} (multi-token puzzle embeddings) "
                           "is not supported")
    ours["puzzleEmbLen"] = 0 if ndim == 0 else (length or 1)
    loss_type = (a.get("loss") or {}).get("loss_type")
    if loss_type is not None:
        if loss_type not in LOSS_KINDS:
            raise ConvertError(f"unsupported loss_type {loss_type!r}")
        ours["lossKind"] = LOSS_KINDS[loss_type]
    # Our official numerics, written out so the file needs no defaults to be read.
    ours.update(normPlacement="post", haltHead="official", dropout=0, ignoreIndex=-100)
    if ours["posEncoding"] not in ("rope", "none", "learned"):
        raise ConvertError(f"unsupported pos_encodings {ours['posEncoding']!r}")
    return ours


def convert(checkpoint: str, config: str, out: str, seq_len=None, overrides=()) -> dict:
    """Converts; returns our config. Raises ConvertError for anything it cannot convert."""
    arch, top = arch_config(config, list(overrides))
    sd = load_state_dict(checkpoint)
    for key, name in (("vocab_size", "inner.embed_tokens.embedding_weight"),
                      ("num_puzzle_identifiers", "inner.puzzle_emb.weights")):
        if key not in arch and name in sd:
            arch[key] = sd[name].shape[0]
    arch.setdefault("num_puzzle_identifiers", 1)  # no puzzle embedding: any count works
    if "vocab_size" not in arch:
        raise ConvertError("the checkpoint lacks inner.embed_tokens.embedding_weight; is it a TRM checkpoint?")
    ours = our_config(arch)
    arch["seq_len"] = ours["seqLen"] = find_seq_len(arch, top, sd, ours, seq_len)

    # The tensors our loader expects, by name and shape: the reference's state_dict (its
    # names and shapes are checked against src/model/params.ts by the parity fixtures).
    ref = TRMConfig(**{k: ours[k] for k in TRMConfig.__dataclass_fields__ if k in ours})
    want = {n: tuple(t.shape) for n, t in TRM(ref).state_dict().items()}
    extra = sorted(set(sd) - set(want))
    if extra:
        raise ConvertError(f"unexpected tensor {extra[0]} ({len(extra)} in all): "
                           "not a TRM checkpoint of this config")
    tensors = {}
    for name, shape in want.items():
        if name not in sd:
            raise ConvertError(f"the checkpoint lacks {name} (shape {list(shape)})")
        t = sd[name].detach().to(torch.float32)  # bf16 and f16 widen exactly
        if name == "inner.puzzle_emb.weights" and t.shape[1] < shape[1]:
            # puzzle_emb_ndim < hidden_size: the official model zero-pads at run time.
            t = torch.nn.functional.pad(t, (0, shape[1] - t.shape[1]))
        if tuple(t.shape) != shape:
            raise ConvertError(f"{name} has shape {list(t.shape)}, the config needs {list(shape)}")
        if not torch.isfinite(t).all():
            raise ConvertError(f"{name} holds a non-finite value")
        tensors[name] = t.numpy().astype("<f4")
    metadata = {
        "format": "pt",
        "config": json.dumps(ours, sort_keys=True),
        "official_config": json.dumps(arch, sort_keys=True, default=str),
        "converted_from": os.path.basename(checkpoint),
    }
    save_safetensors(out, tensors, metadata)
    return ours


def main() -> None:
    p = argparse.ArgumentParser(description="Official TRM checkpoint -> our safetensors.")
    p.add_argument("--checkpoint", required=True, help="the official step_N file (torch.save of the state_dict)")
    p.add_argument("--config", required=True, help="all_config.yaml, cfg_pretrain.yaml or an arch yaml")
    p.add_argument("--out", required=True, help="the safetensors file to write")
    p.add_argument("--seq-len", type=int, help="grid tokens per example (the dataset's seq_len)")
    p.add_argument("--set", action="append", default=[], metavar="arch.KEY=VALUE", help="override an arch key")
    args = p.parse_args()
    try:
        ours = convert(args.checkpoint, args.config, args.out, args.seq_len, args.set)
    except ConvertError as e:
        print(f"convert_official: {e}", file=sys.stderr)
        raise SystemExit(1)
    print(f"wrote {args.out}: {json.dumps(ours, sort_keys=True)}")


if __name__ == "__main__":
    main()
