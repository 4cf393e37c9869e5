#!/usr/bin/env python3
"""PyTorch CPU (fp32) baseline for `cli.ts bench --vs-torch`.

Same shapes and the same JSON line format as the WebGPU bench, with "impl": "torch":
  {"op":"matmul","m":..,"n":..,"k":..,"trans":"NT","gflops":..,"ms":..,"adapter":"cpu ...","impl":"torch"}
Uses every core (torch.set_num_threads(os.cpu_count())).
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_env import blas_library  # noqa: E402

MATMUL_SHAPES = [(512, 512, 512, "NN")] + [(64 * 97, n, k, "NT") for k in (512, 1536) for n in (512, 1536)]
ATTENTION_SHAPES = [(64, 97, 8, 64), (1, 916, 8, 64)]


def timed(fn, repeat):
    fn()
    t = time.perf_counter()
    fn()
    warm = time.perf_counter() - t
    reps = repeat or max(1, min(50, round(1.0 / max(warm, 1e-6))))
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps * 1e3


def attention(qkv, h):
    b, s, w = qkv.shape
    hd = w // (3 * h)
    q, k, v = qkv.view(b, s, 3, h, hd).permute(2, 0, 3, 1, 4)
    p = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd), dim=-1)
    return (p @ v).transpose(1, 2).reshape(b, s, h * hd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", default="matmul,attention")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    adapter = f"cpu {platform.processor() or platform.machine()} torch {torch.__version__} {blas_library()}"
    ops = args.ops.split(",")

    def emit(obj):
        obj.update({"adapter": adapter, "impl": "torch", "threads": threads})
        print(json.dumps(obj), flush=True)

    with torch.no_grad():
        if "matmul" in ops:
            for m, n, k, trans in MATMUL_SHAPES:
                a = torch.rand(m, k) - 0.5
                b = torch.rand(n, k) - 0.5 if trans == "NT" else torch.rand(k, n) - 0.5
                fn = (lambda: a @ b.t()) if trans == "NT" else (lambda: a @ b)
                ms = timed(fn, args.repeat)
                emit({"op": "matmul", "m": m, "n": n, "k": k, "trans": trans,
                      "gflops": round(2 * m * n * k / ms / 1e6, 3), "ms": round(ms, 3)})
    if "attention" in ops:
        for b, s, h, hd in ATTENTION_SHAPES:
            flops = 4 * b * h * s * s * hd
            qkv = torch.rand(b, s, 3 * h * hd) - 0.5
            with torch.no_grad():
                ms = timed(lambda: attention(qkv, h), args.repeat)
            shape = {"b": b, "s": s, "h": h, "hd": hd}
            emit({"op": "attention_forward", **shape, "gflops": round(flops / ms / 1e6, 3), "ms": round(ms, 3)})
            x = qkv.clone().requires_grad_(True)
            dout = torch.rand(b, s, h * hd) - 0.5
            out = attention(x, h)

            def backward():
                x.grad = None
                out.backward(dout, retain_graph=True)

            ms_back = timed(backward, args.repeat)
            emit({"op": "attention_backward", **shape, "gflops": round(2.5 * flops / ms_back / 1e6, 3),
                  "ms": round(ms_back, 3)})


if __name__ == "__main__":
    main()
