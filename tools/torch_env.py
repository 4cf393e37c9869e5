"""Which BLAS library this torch process really calls, for the benchmarks' adapter line.

Debian's python3-torch links libblas.so.3, which the alternatives system points at the
reference BLAS unless an optimised one (apt-get install libopenblas0-pthread) is installed;
torch then runs several times slower and a comparison against it means nothing. The loaded
library is read from /proc/self/maps after one product, so it is what ran, not what was built.
"""

from __future__ import annotations

import os

import torch


def blas_library() -> str:
    """A short name of the loaded BLAS ("openblas-pthread", "reference BLAS", "mkl", ...)."""
    torch.randn(64, 64) @ torch.randn(64, 64)  # make sure the BLAS is loaded
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()}
    except OSError:
        return "unknown BLAS"
    names = sorted(os.path.realpath(p) for p in paths if p.startswith("/"))
    for p in names:
        if "mkl" in p:
            return "mkl"
        if "openblas" in p:
            return os.path.basename(os.path.dirname(p)) if "openblas-" in p else "openblas"
        if "blis" in p:
            return "blis"
    if any(p.endswith(("/blas/libblas.so.3", "/libblas.so.3.11.0")) or "/blas/" in p for p in names):
        return "reference BLAS (slow: apt-get install libopenblas0-pthread)"
    return "BLAS " + (", ".join(os.path.basename(p) for p in names) or "unknown")
