"""Reference implementation of the official TRM (Tiny Recursive Model) in plain PyTorch.

Written from docs/TRM_SPEC.md (../shared/docs/TRM_SPEC.md) in the spirit of llm.c's
reference: small, readable, CPU-only, and meant to be run in float64 so that its outputs are
the "exact" answer the WebGPU implementation is compared against. It runs on Debian's
python3-torch (1.13), so it avoids newer APIs (nn.Buffer, scaled_dot_product_attention).

Module and tensor names follow the official state_dict so that `model.state_dict()` keys are
exactly the checkpoint names our safetensors files use:

    inner.embed_tokens.embedding_weight            [V, D]
    inner.L_level.layers.{i}.self_attn.qkv_proj.weight   [3D, D]     (attention variant)
    inner.L_level.layers.{i}.self_attn.o_proj.weight     [D, D]
    inner.L_level.layers.{i}.mlp_t.gate_up_proj.weight   [2*I_t, S]  (MLP-mixer variant)
    inner.L_level.layers.{i}.mlp_t.down_proj.weight      [S, I_t]
    inner.L_level.layers.{i}.mlp.gate_up_proj.weight     [2*I, D]
    inner.L_level.layers.{i}.mlp.down_proj.weight        [D, I]
    inner.embed_pos.embedding_weight                [S, D]    (posEncoding "learned" only)
    inner.lm_head.weight                            [V, D]
    inner.q_head.weight                             [2, D]
    inner.q_head.bias                               [2]
    inner.H_init, inner.L_init                      [D]       (buffers: fixed, not trained)
    inner.puzzle_emb.weights                        [N_ids, D] (buffer: trained by sign-SGD)

where S = puzzleEmbLen + seqLen is the full sequence length, I = SwiGLU width for D and
I_t the SwiGLU width for S.

Besides the official numerics (the defaults) it implements the TypeScript model's other
options, defined exactly as src/model/net.ts and recursion.ts compute them:

    normPlacement "pre"     h = h + mix(norm(h)); h = h + mlp(norm(h)) (for mlp_t the mixer's
                            norm is over the sequence axis, like its post-norm), and the net
                            ends with a final channel norm: net(h, inj) = norm(layers(h + inj))
    posEncoding "learned"   x = sqrt(D) * 0.707106781 * (token/puzzle embedding + embed_pos)
    haltHead "meanPooled"   q = q_head(mean of y over all S positions, prefix included)
    lossKind "softmax"      softmax cross-entropy instead of stablemax
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

IGNORE_INDEX = -100


@dataclass
class TRMConfig:
    """Model configuration; field names match the TypeScript config (camelCase)."""

    vocabSize: int
    dim: int
    numLayers: int
    numHeads: int
    seqLen: int  # grid tokens, without the puzzle-embedding prefix
    puzzleEmbLen: int
    numPuzzleIdentifiers: int
    expansion: float = 4.0
    tCycles: int = 3  # official H_cycles
    nRecursions: int = 6  # official L_cycles
    useMlpMixer: bool = False
    posEncoding: str = "rope"  # "rope" | "none" | "learned"
    rmsNormEps: float = 1e-5
    ropeBase: float = 10000.0
    ignoreIndex: int = IGNORE_INDEX
    lossKind: str = "stablemax"  # "stablemax" | "softmax"
    normPlacement: str = "post"  # "post" (official) | "pre"
    haltHead: str = "official"  # "official" (y at position 0) | "meanPooled"

    @property
    def totalLen(self) -> int:
        return self.puzzleEmbLen + self.seqLen

    @property
    def headDim(self) -> int:
        return self.dim // self.numHeads

    def __post_init__(self) -> None:
        allowed = {"posEncoding": ("rope", "none", "learned"), "lossKind": ("stablemax", "softmax"),
                   "normPlacement": ("post", "pre"), "haltHead": ("official", "meanPooled")}
        for field, values in allowed.items():
            if getattr(self, field) not in values:
                raise ValueError(f"{field} must be one of {values}, got {getattr(self, field)!r}")

    def to_json(self) -> str:
        """Every field, except that options added after the first fixtures are left out while
        they hold their default, so that those fixtures regenerate byte-identically (the TS
        config fills the same defaults)."""
        d = asdict(self)
        for field, default in _LATER_FIELD_DEFAULTS.items():
            if d[field] == default:
                del d[field]
        return json.dumps(d, sort_keys=True)


_LATER_FIELD_DEFAULTS = {"normPlacement": "post", "haltHead": "official"}


# --------------------------------------------------------------------------- initialisation


def trunc_normal_(t: torch.Tensor, std: float, gen: torch.Generator) -> torch.Tensor:
    """Truncated normal at +-2 sigma whose *actual* std is `std` (JAX/flax convention).

    A standard normal truncated to [-2, 2] has std sqrt(0.7737...) = 0.8796..., so the
    sampling scale is std / 0.8796. Sampling is by inverse CDF: u uniform in
    [erf(-2/sqrt2), erf(2/sqrt2)], x = sqrt2 * erfinv(u).
    """
    with torch.no_grad():
        if std == 0:
            return t.zero_()
        lo, hi = -2.0, 2.0
        a, b = math.erf(lo / math.sqrt(2)), math.erf(hi / math.sqrt(2))
        mass = (b - a) / 2  # probability mass inside [lo, hi]
        pdf = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        var = 1 - (hi * pdf(hi) - lo * pdf(lo)) / mass - ((pdf(hi) - pdf(lo)) / mass) ** 2
        scale = std / math.sqrt(var)
        u = torch.empty(t.shape, dtype=torch.float64).uniform_(a, b, generator=gen)
        x = (torch.erfinv(u) * math.sqrt(2) * scale).clamp_(lo * scale, hi * scale)
        t.copy_(x.to(t.dtype))
        return t


def swiglu_width(hidden: int, expansion: float) -> int:
    """round_up_to_256(round(expansion * hidden * 2 / 3)); Python's round is banker's."""
    inter = round(expansion * hidden * 2 / 3)
    return -(inter // -256) * 256


# --------------------------------------------------------------------------- layers


def rms_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    """Weightless RMSNorm over the last axis: x / sqrt(mean(x^2) + eps)."""
    return x * torch.rsqrt(x.square().mean(-1, keepdim=True) + eps)


def rms_norm_seq(h: torch.Tensor, eps: float) -> torch.Tensor:
    """Weightless RMSNorm of [B, S, D] over the sequence axis S (per batch and channel)."""
    return rms_norm(h.transpose(1, 2), eps).transpose(1, 2)


class Linear(nn.Module):
    """y = x W^T (+ b); LeCun truncated-normal weight, zero bias."""

    def __init__(self, fan_in: int, fan_out: int, bias: bool, gen: torch.Generator):
        super().__init__()
        self.weight = nn.Parameter(trunc_normal_(torch.empty(fan_out, fan_in), 1 / math.sqrt(fan_in), gen))
        self.bias = nn.Parameter(torch.zeros(fan_out)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class Embedding(nn.Module):
    def __init__(self, n: int, dim: int, std: float, gen: torch.Generator):
        super().__init__()
        self.embedding_weight = nn.Parameter(trunc_normal_(torch.empty(n, dim), std, gen))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding_weight[ids.long()]


class SwiGLU(nn.Module):
    """down(silu(gate) * up) with [gate; up] = gate_up(x) split in two halves (gate first)."""

    def __init__(self, hidden: int, expansion: float, gen: torch.Generator):
        super().__init__()
        inter = swiglu_width(hidden, expansion)
        self.gate_up_proj = Linear(hidden, 2 * inter, False, gen)
        self.down_proj = Linear(inter, hidden, False, gen)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        return self.down_proj(F.silu(gate) * up)


def rope_tables(cfg: TRMConfig, dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos, sin [S, headDim] in the rotate-half layout: frequencies repeated as cat(f, f)."""
    hd = cfg.headDim
    inv_freq = 1.0 / (cfg.ropeBase ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    ang = torch.outer(torch.arange(cfg.totalLen, dtype=torch.float64), inv_freq)
    ang = torch.cat((ang, ang), dim=-1)
    return ang.cos().to(dtype), ang.sin().to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    """Non-causal multi-head attention, fused qkv (q heads, then k heads, then v heads)."""

    def __init__(self, cfg: TRMConfig, gen: torch.Generator):
        super().__init__()
        self.cfg = cfg
        self.qkv_proj = Linear(cfg.dim, 3 * cfg.dim, False, gen)
        self.o_proj = Linear(cfg.dim, cfg.dim, False, gen)

    def forward(self, x: torch.Tensor, cos_sin: Optional[Tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        B, S, D = x.shape
        H, hd = self.cfg.numHeads, self.cfg.headDim
        qkv = self.qkv_proj(x).view(B, S, 3 * H, hd)
        q, k, v = qkv[:, :, :H], qkv[:, :, H : 2 * H], qkv[:, :, 2 * H :]  # [B, S, H, hd]
        if cos_sin is not None:
            cos, sin = cos_sin[0][:, None, :], cos_sin[1][:, None, :]  # broadcast over heads
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, H, S, hd]
        att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd), dim=-1)
        out = (att @ v).transpose(1, 2).reshape(B, S, D)
        return self.o_proj(out)


class Block(nn.Module):
    """Post-norm block (official): h = norm(h + mix(h)); h = norm(h + swiglu(h)).

    Pre-norm block: h = h + mix(norm(h)); h = h + swiglu(norm(h)). In both, the MLP-mixer's
    norm is over the sequence axis and the channel MLP's over the hidden axis.
    """

    def __init__(self, cfg: TRMConfig, gen: torch.Generator):
        super().__init__()
        self.cfg = cfg
        if cfg.useMlpMixer:
            # Sequence-axis SwiGLU: acts on [B, D, S]; its post-norm normalises over S.
            self.mlp_t = SwiGLU(cfg.totalLen, cfg.expansion, gen)
        else:
            self.self_attn = Attention(cfg, gen)
        self.mlp = SwiGLU(cfg.dim, cfg.expansion, gen)

    def mix(self, h: torch.Tensor, cos_sin) -> torch.Tensor:
        """The mixer sub-block's output for [B, S, D] input (before residual and norm)."""
        if self.cfg.useMlpMixer:
            return self.mlp_t(h.transpose(1, 2)).transpose(1, 2)
        return self.self_attn(h, cos_sin)

    def forward(self, h: torch.Tensor, cos_sin) -> torch.Tensor:
        eps = self.cfg.rmsNormEps
        if self.cfg.normPlacement == "pre":
            mix_norm = rms_norm_seq if self.cfg.useMlpMixer else rms_norm
            h = h + self.mix(mix_norm(h, eps), cos_sin)
            return h + self.mlp(rms_norm(h, eps))
        if self.cfg.useMlpMixer:
            ht = h.transpose(1, 2)
            h = rms_norm(ht + self.mlp_t(ht), eps).transpose(1, 2)
        else:
            h = rms_norm(h + self.self_attn(h, cos_sin), eps)
        return rms_norm(h + self.mlp(h), eps)


class ReasoningModule(nn.Module):
    """The one shared net: net(h, inj) = layers(h + inj)."""

    def __init__(self, cfg: TRMConfig, gen: torch.Generator):
        super().__init__()
        self.layers = nn.ModuleList([Block(cfg, gen) for _ in range(cfg.numLayers)])

    def forward(self, h: torch.Tensor, inj: torch.Tensor, cos_sin) -> torch.Tensor:
        h = h + inj
        for layer in self.layers:
            h = layer(h, cos_sin)
        if self.layers[0].cfg.normPlacement == "pre":
            # Pre-norm ends with a norm, or y and z grow without bound across the recursion.
            h = rms_norm(h, self.layers[0].cfg.rmsNormEps)
        return h


class PuzzleEmbedding(nn.Module):
    """Per-puzzle vectors of D entries (zero-initialised officially); a buffer, not a Parameter."""

    def __init__(self, n: int, dim: int):
        super().__init__()
        self.register_buffer("weights", torch.zeros(n, dim), persistent=True)


class Inner(nn.Module):
    def __init__(self, cfg: TRMConfig, gen: torch.Generator):
        super().__init__()
        self.cfg = cfg
        D = cfg.dim
        # Construction order as in the official module (the random streams differ anyway).
        self.embed_tokens = Embedding(cfg.vocabSize, D, 1 / math.sqrt(D), gen)
        self.lm_head = Linear(D, cfg.vocabSize, False, gen)
        self.q_head = Linear(D, 2, True, gen)
        if cfg.puzzleEmbLen > 0:
            self.puzzle_emb = PuzzleEmbedding(cfg.numPuzzleIdentifiers, D)
        if cfg.posEncoding == "learned":
            # Official HRM/TRM: one learned vector per position, prefix included.
            self.embed_pos = Embedding(cfg.totalLen, D, 1 / math.sqrt(D), gen)
        self.L_level = ReasoningModule(cfg, gen)
        self.register_buffer("H_init", trunc_normal_(torch.empty(D), 1.0, gen), persistent=True)
        self.register_buffer("L_init", trunc_normal_(torch.empty(D), 1.0, gen), persistent=True)
        with torch.no_grad():
            self.q_head.weight.zero_()
            self.q_head.bias.fill_(-5.0)


class TRM(nn.Module):
    """Official TRM; `inner` holds everything so state_dict keys start with `inner.`."""

    def __init__(self, cfg: TRMConfig, seed: int = 0):
        super().__init__()
        self.cfg = cfg
        gen = torch.Generator().manual_seed(seed)
        self.inner = Inner(cfg, gen)

    def num_parameters(self) -> int:
        """Trainable parameters as PyTorch counts them (buffers excluded)."""
        return sum(p.numel() for p in self.parameters())

    def initial_carry(self, batch: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """(y, z) = (H_init, L_init) broadcast to [B, S, D]."""
        shape = (batch, self.cfg.totalLen, self.cfg.dim)
        return self.inner.H_init.expand(shape).clone(), self.inner.L_init.expand(shape).clone()

    def input_embeddings(self, inputs: torch.Tensor, puzzle_rows: Optional[torch.Tensor]) -> torch.Tensor:
        """sqrt(D) * [puzzle_row, 0, ..., 0, embed(inputs)]: prefix token 0 is the puzzle vector.

        With learned positions (official): sqrt(D) * 0.707106781 * (that + embed_pos).
        """
        cfg = self.cfg
        x = self.inner.embed_tokens(inputs)
        if cfg.puzzleEmbLen > 0:
            B = inputs.shape[0]
            pad = x.new_zeros(B, cfg.puzzleEmbLen - 1, cfg.dim)
            x = torch.cat((puzzle_rows[:, None, :], pad, x), dim=1)
        if cfg.posEncoding == "learned":
            x = 0.707106781 * (x + self.inner.embed_pos.embedding_weight)
        return math.sqrt(cfg.dim) * x

    def supervision_step(
        self,
        y: torch.Tensor,
        z: torch.Tensor,
        inputs: torch.Tensor,
        puzzle_rows: Optional[torch.Tensor],
    ):
        """One deep-supervision step: T-1 cycles without gradient, the last one with.

        Returns (y, z) after the step (still attached to the graph: detach for the carry),
        logits [B, L, V] (prefix dropped), q_halt [B], q_continue [B].
        """
        cfg = self.cfg
        net = self.inner.L_level
        cos_sin = rope_tables(cfg, y.dtype) if cfg.posEncoding == "rope" and not cfg.useMlpMixer else None
        x = self.input_embeddings(inputs, puzzle_rows)
        with torch.no_grad():
            for _ in range(cfg.tCycles - 1):
                for _ in range(cfg.nRecursions):
                    z = net(z, y + x, cos_sin)
                y = net(y, z, cos_sin)
        for _ in range(cfg.nRecursions):
            z = net(z, y + x, cos_sin)
        y = net(y, z, cos_sin)
        logits = self.inner.lm_head(y)[:, cfg.puzzleEmbLen :]
        q = self.inner.q_head(y.mean(dim=1) if cfg.haltHead == "meanPooled" else y[:, 0])
        return y, z, logits, q[:, 0], q[:, 1]


# --------------------------------------------------------------------------- loss


def log_stablemax(x: torch.Tensor) -> torch.Tensor:
    """log(s(x_i) / sum_j s(x_j)) with s(x) = x + 1 for x >= 0, 1 / (1 - x) otherwise."""
    s = torch.where(x < 0, 1 / (1 - x), x + 1)
    return torch.log(s / s.sum(-1, keepdim=True))


def act_loss(logits: torch.Tensor, q_halt: torch.Tensor, labels: torch.Tensor, ignore: int,
             kind: str = "stablemax"):
    """Official loss of one supervision step, before the division by the batch size.

    lm = sum_b mean_{valid t} CE(b, t) (stablemax or softmax, computed in float64);
    halt = sum_b BCE_with_logits(q_halt_b, all valid tokens of b argmax-correct);
    total = lm + 0.5 * halt. Returns (total, lm, halt, seq_correct).
    """
    mask = labels != ignore
    counts = mask.sum(-1)
    safe = torch.where(mask, labels, torch.zeros_like(labels)).long()
    log_probs = {"stablemax": log_stablemax, "softmax": lambda x: torch.log_softmax(x, dim=-1)}[kind]
    logp = log_probs(logits.to(torch.float64)).gather(-1, safe[..., None])[..., 0]
    ce = -torch.where(mask, logp, torch.zeros_like(logp))
    lm = (ce / counts.clamp_min(1)[:, None]).sum()
    with torch.no_grad():
        correct = mask & (logits.argmax(-1) == labels)
        seq_correct = correct.sum(-1) == counts
    halt = F.binary_cross_entropy_with_logits(q_halt, seq_correct.to(q_halt.dtype), reduction="sum")
    return lm + 0.5 * halt, lm, halt, seq_correct


# --------------------------------------------------------------------------- safetensors


_ST_DTYPES = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i4"): "I32", np.dtype("<i8"): "I64",
              np.dtype("uint8"): "U8", np.dtype("<f2"): "F16"}


def save_safetensors(path: str, tensors: Dict[str, np.ndarray], metadata: Dict[str, str]) -> int:
    """Writes a safetensors file: u64 LE header size, JSON header padded with spaces to a
    multiple of 8, then the tensors' little-endian bytes in name order. Returns the file size."""
    header: Dict[str, object] = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.array(tensors[name], order="C", copy=True)  # keeps 0-d shapes (ascontiguousarray would not)
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        dtype = _ST_DTYPES[arr.dtype]
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    return 8 + len(text) + offset


def load_safetensors(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Minimal reader used to re-check what save_safetensors wrote."""
    inv = {v: k for k, v in _ST_DTYPES.items()}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        s, e = info["data_offsets"]
        out[name] = np.frombuffer(data[base + s : base + e], dtype=inv[info["dtype"]]).reshape(info["shape"])
    return out, meta
