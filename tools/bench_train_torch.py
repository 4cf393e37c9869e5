#!/usr/bin/env python3
"""PyTorch side of `cli.ts train --bench`: training throughput of the official slot loop
step (one supervision step with gradient for every slot, the official loss, backward,
Adam-atan2, EMA) for a model config, float32 on the CPU with every core.

Usage: tools/bench_train_torch.py --config '<ModelConfig JSON>' [--batch 64] [--steps 3]
Prints one JSON line: {"impl":"torch","op":"train_step","batch":..,"steps":..,
"ms_per_step":..,"examples_steps_per_s":..,"threads":..,"adapter":..}.
"""
import argparse
import json
import os
import platform
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_env import blas_library  # noqa: E402
from trm_reference import TRM, TRMConfig, act_loss  # noqa: E402

FIELDS = {f for f in TRMConfig.__dataclass_fields__}


def adam_atan2_(params, states, lr, wd, betas, t):
    """The official Adam-atan2 step (no epsilon), in place."""
    b1, b2 = betas
    with torch.no_grad():
        for p in params:
            m, v = states[id(p)]
            p.mul_(1 - lr * wd)
            m.lerp_(p.grad, 1 - b1)
            v.lerp_(p.grad * p.grad, 1 - b2)
            p.sub_(lr * torch.atan2(m / (1 - b1**t), (v / (1 - b2**t)).sqrt()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="model config JSON (TypeScript field names)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    full = json.loads(args.config)
    cfg = TRMConfig(**{k: v for k, v in full.items() if k in FIELDS})
    model = TRM(cfg, seed=0).float()
    params = [p for p in model.parameters()]
    states = {id(p): (torch.zeros_like(p), torch.zeros_like(p)) for p in params}
    ema = [p.detach().clone() for p in params]
    B = args.batch
    gen = torch.Generator().manual_seed(1)
    inputs = torch.randint(1, cfg.vocabSize, (B, cfg.seqLen), generator=gen)
    labels = torch.randint(1, cfg.vocabSize, (B, cfg.seqLen), generator=gen)
    rows = torch.zeros(B, cfg.dim) if cfg.puzzleEmbLen > 0 else None
    y, z = model.initial_carry(B)

    def step(t, y, z):
        y2, z2, logits, q_halt, _ = model.supervision_step(y, z, inputs, rows)
        total, _, _, _ = act_loss(logits, q_halt, labels, cfg.ignoreIndex, cfg.lossKind)
        for p in params:
            p.grad = None
        (total / B).backward()
        adam_atan2_(params, states, 1e-4, 0.1, (0.9, 0.95), t)
        with torch.no_grad():
            for e, p in zip(ema, params):
                e.mul_(0.999).add_(p, alpha=0.001)
        return y2.detach(), z2.detach()

    for t in range(1, args.warmup + 1):
        y, z = step(t, y, z)
    start = time.perf_counter()
    for t in range(args.warmup + 1, args.warmup + args.steps + 1):
        y, z = step(t, y, z)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "impl": "torch",
        "op": "train_step",
        "batch": B,
        "steps": args.steps,
        "ms_per_step": seconds * 1000 / args.steps,
        "examples_steps_per_s": B * args.steps / seconds,
        "threads": threads,
        "adapter": f"cpu {platform.processor() or platform.machine()} torch {torch.__version__} {blas_library()}",
    }), flush=True)


if __name__ == "__main__":
    main()
