#!/usr/bin/env python3
"""PyTorch side of `cli.ts bench model`: forward time per supervision step of the official
Sudoku presets (the same config as src/model/config.ts), float32 on the CPU, no gradient.

Prints one JSON line per preset: {"impl":"torch","op":"model_forward","preset":..,
"batch":..,"ms_per_step":..,"threads":..}. Usage: tools/bench_model_torch.py [batch] [steps]
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_env import blas_library  # noqa: E402
from trm_reference import TRM, TRMConfig  # noqa: E402

PRESETS = {
    "sudokuMlp": dict(useMlpMixer=True, posEncoding="none"),
    "sudokuAttention": dict(useMlpMixer=False, posEncoding="rope"),
}


def main() -> None:
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    torch.set_num_threads(os.cpu_count() or 1)
    for name, extra in PRESETS.items():
        cfg = TRMConfig(vocabSize=11, dim=512, numLayers=2, numHeads=8, seqLen=81, puzzleEmbLen=16,
                        numPuzzleIdentifiers=1, tCycles=3, nRecursions=6, **extra)
        model = TRM(cfg, seed=0).float().eval()
        inputs = torch.randint(1, 11, (batch, cfg.seqLen))
        rows = torch.zeros(batch, cfg.dim)
        with torch.no_grad():
            y, z = model.initial_carry(batch)
            model.supervision_step(y, z, inputs, rows)  # warm-up
            start = time.perf_counter()
            for _ in range(steps):
                y, z, _, _, _ = model.supervision_step(y, z, inputs, rows)
            ms = (time.perf_counter() - start) * 1000 / steps
        print(json.dumps({"impl": "torch", "op": "model_forward", "preset": name, "batch": batch,
                          "ms_per_step": round(ms, 2), "threads": torch.get_num_threads(),
                          "blas": blas_library()}), flush=True)


if __name__ == "__main__":
    main()
