"""Writes the PyTorch parity fixtures of the slot-loop trainer: 10 optimizer steps, llm.c style.

Run with Debian's torch:  /usr/bin/python3 tools/make_optim_fixtures.py
Outputs, in tests/fixtures/ (read by tests/train/optim_parity_test.ts):
  optim_atan2_attention.safetensors  Adam-atan2 (official TRM optimizer), warmup + cosine LR,
                                     EMA, puzzle-embedding prefix with sign-SGD (own lr and
                                     weight decay), halting exploration on, attention + RoPE
  optim_adamw_mlp.safetensors        torch.optim.AdamW, warmup then constant LR, EMA,
                                     MLP-mixer without a puzzle prefix, no exploration
  optim_muon_mlp.safetensors         Muon on the layers' weight matrices (Adam-atan2 on the
                                     rest), gradient clipping, warmup + cosine, EMA, MLP-mixer

Each file simulates src/train/trainer.ts `TRMTrainer.slotStep` for 10 optimizer steps (the
code is the spec):

  1. slots that halted at the previous step (all of them at step 1) take row b of this step's
     fresh batch (inputs, labels, puzzle id) and restart from y = H_init, z = L_init;
  2. one supervision step with gradient from the carry; loss (lm + 0.5 halt) / B, where
     lm = sum_b mean CE over b's valid tokens and halt = sum_b BCE(q_halt_b, b all correct);
  3. the optimizer step t (lr of `learningRate(t)`): the dense optimizer on every trainable
     tensor, then sign-SGD on the puzzle-embedding rows of the batch's ids
     (`learningRate(t, {..., lr: puzzleEmbLr})`, decay puzzleEmbWeightDecay), then the EMA
     `ema = (1 - d) w + d ema` of every trainable tensor;
  4. the halting rule (kernels/train_halting.wgsl): steps = (halted ? 0 : steps) + 1,
     halted = steps >= N_sup, then (training) halted = (halted | q_halt > 0) & steps >= min_b,
     where min_b is this step's exploration draw (`TRMTrainer.explorationDraws`, whose
     generator src/puzzles/rng.ts is ported below bit for bit);
  5. the carry (y, z) of the step, detached, is the next step's carry.

Stored (steps 1-based):
  inner.*                        initial weights (official names), f32-exact
  batch.step{t}.inputs/.labels/.puzzle_identifiers   the fresh batch of step t
  ref.step{t}.min_steps [B] I32  exploration draws;  .lr, .puzzle_lr []
  ref.step{t}.lm_loss, .halt_loss []  per slot (sums / B), as TRMTrainer.readMetrics
  ref.step{t}.count/.accuracy/.exact_accuracy/.q_halt_accuracy/.mean_steps []  (metrics)
  ref.step{t}.slot_ids/.slot_labels/.slot_pids/.slot_steps/.slot_halted   slot state after t
  ref.step{t}.y/.z [B, S, D]     the carry after t
  ref.step{t}.q_halt/.q_continue [B], .seq_correct [B] I32   for diagnosis (slotStep keeps them)
  ref.step{t}.inner.puzzle_emb.weights   the table after every step
  and at the checkpoint steps of fixture.fullSteps (the whole state does not fit in 1 MB at
  every step: the MLP matrices are at least 256 wide):
  ref.step{t}.weights.<name>, .ema.<name>, .adam_m.<name>, .adam_v.<name>  every trainable tensor

Configurations are tiny (D = 8, one layer, T = 2, n = 1; the float32 rerun drifts more with
n = 2 in 10 free-running steps, and the recursion itself is checked by make_fixtures.py), and
hyper-parameters are far from the official ones where that makes the check sharper: lr 1e-3
to 3e-3 so that 10 steps move the weights well beyond float32 rounding, EMA decay 0.8 / 0.9
(official 0.999) so that the EMA moves measurably, the q head and puzzle table random.

Everything is computed in float64 from f32-exact weights. Discontinuities are guarded: every
|q_halt| is above a margin (q_halt > 0 halts, q_halt >= 0 enters a metric), every valid
token's top-2 logit gap too (exactness feeds the halting loss), every puzzle-row gradient component is away from 0
(sign-SGD), and the whole run repeated in float32 must agree with the float64 one 10x tighter
than the Deno test's tolerance, with identical decisions.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trm_reference import (IGNORE_INDEX, TRM, TRMConfig, act_loss, load_safetensors,  # noqa: E402
                           save_safetensors, trunc_normal_)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")
STEPS = 10
RELATIVE_TOLERANCE = 1e-4  # the rule of tests/train/optim_parity_test.ts (as tests/model/parity_test.ts)
F32_FACTOR = 0.1  # the float32 rerun must agree within F32_FACTOR x that tolerance
Q_MARGIN = 0.01  # min |q_halt| (q_halt > 0 halts; q_halt >= 0 also enters a metric)
LOGIT_MARGIN = 1e-3  # min top-2 logit gap at a valid token
SIGN_MARGIN = 1e-4  # min |g| / max |g| of the summed puzzle-row gradients
EXPLORATION_SALT = 0x6A09E667  # src/train/trainer.ts

# --------------------------------------------------------------------------- src/puzzles/rng.ts

M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


def _mix32(h: int) -> int:
    h &= M32
    h = _imul(h ^ (h >> 16), 0x85EBCA6B)
    h = _imul(h ^ (h >> 13), 0xC2B2AE35)
    return (h ^ (h >> 16)) & M32


def derive_seed(seed: int, index: int) -> int:
    """deriveSeed: JS `x >>> 0` is x mod 2^32 and `Math.floor(x / 2^32)` is x // 2^32."""
    words = [seed & M32, (seed // 4294967296) & M32, index & M32, (index // 4294967296) & M32]
    a, b = 0x243F6A88, 0x85A308D3
    for w in words:
        a = _mix32(a ^ w)
        b = _mix32(b + a + w)
    return a * 2097152 + (b >> 11)


def int32(x: int) -> int:
    """JS ToInt32."""
    x &= M32
    return x - 4294967296 if x >= 2147483648 else x


class Rng:
    """sfc32 seeded through splitmix32, as src/puzzles/rng.ts (state kept mod 2^32)."""

    def __init__(self, seed: int):
        seed = int(seed)
        s = ((seed & M32) ^ 0x9E3779B9) & M32
        s = (s ^ (int(seed / 4294967296) & M32)) & M32  # Math.trunc(seed / 2^32)

        def nxt() -> int:
            nonlocal s
            s = (s + 0x9E3779B9) & M32
            z = _imul(s ^ (s >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            return (z ^ (z >> 16)) & M32

        self.a, self.b, self.c, self.d = nxt(), nxt(), nxt(), nxt()
        for _ in range(12):
            self.u32()

    def u32(self) -> int:
        a, b, c, d = self.a, self.b, self.c, self.d
        t = (a + b + d) & M32
        self.d = (d + 1) & M32
        self.a = (b ^ (b >> 9)) & M32
        self.b = (c + (c << 3)) & M32
        self.c = ((((c << 21) | (c >> 11)) & M32) + t) & M32
        return t

    def next(self) -> float:
        return self.u32() / 4294967296

    def int(self, n: int) -> int:
        return math.floor(self.next() * n)


def exploration_draws(seed: int, step: int, batch: int, prob: float, max_steps: int) -> np.ndarray:
    """TRMTrainer.explorationDraws: with probability p a minimum uniform in [2, N_sup], else 0."""
    rng = Rng(derive_seed(int32(seed ^ EXPLORATION_SALT), step))
    out = np.zeros(batch, dtype=np.int64)
    for b in range(batch):
        explore = rng.next() < prob
        low = 2 + rng.int(max(1, max_steps - 1))
        out[b] = low if explore else 0
    return out


# --------------------------------------------------------------------------- src/train/schedule.ts


def learning_rate(step: int, lr: float, warmupSteps: int, schedule: str = "constant",
                  totalSteps=None, minLrRatio: float = 0.0) -> float:
    if step < warmupSteps:
        return lr * step / max(1, warmupSteps)
    if schedule == "constant":
        return lr
    progress = min(1, (step - warmupSteps) / max(1, totalSteps - warmupSteps))
    return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + math.cos(math.pi * progress)))


def schedule_of(tr: dict, lr: float) -> dict:
    return dict(lr=lr, warmupSteps=tr["warmupSteps"], schedule=tr["schedule"],
                totalSteps=tr.get("totalSteps"), minLrRatio=tr["minLrRatio"])


# --------------------------------------------------------------------------- optimizers


class AdamAtan2:
    """The official TRM optimizer (the adam-atan2 package's reference implementation):
    p *= 1 - lr wd; m.lerp_(g, 1 - b1); v = b2 v + (1 - b2) g^2;
    p -= lr * atan2(m / (1 - b1^t), sqrt(v) / sqrt(1 - b2^t)). No epsilon."""

    def __init__(self, params, betas, weight_decay):
        self.params = list(params)
        self.betas, self.weight_decay = betas, weight_decay
        self.state = {p: dict(exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p)) for p in self.params}

    @torch.no_grad()
    def step(self, lr: float, t: int) -> None:
        b1, b2 = self.betas
        for p in self.params:
            st, g = self.state[p], p.grad
            p.mul_(1 - lr * self.weight_decay)
            st["exp_avg"].lerp_(g, 1 - b1)
            st["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = st["exp_avg_sq"].sqrt() / math.sqrt(1 - b2 ** t)
            p.add_(torch.atan2(st["exp_avg"] / (1 - b1 ** t), denom), alpha=-lr)


class TorchAdamW:
    """torch.optim.AdamW itself, with the learning rate set before every step."""

    def __init__(self, params, betas, eps, weight_decay):
        self.params = list(params)
        self.opt = torch.optim.AdamW(self.params, lr=0.0, betas=tuple(betas), eps=eps, weight_decay=weight_decay)

    @property
    def state(self):
        return self.opt.state

    def step(self, lr: float, t: int) -> None:
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.step()
        assert all(float(self.opt.state[p]["step"]) == t for p in self.params)


class Muon:
    """Muon as Jordan et al. write it (momentum, Nesterov, quintic Newton-Schulz on the
    transposed matrix when it is tall), with Moonlight's update scale 0.2 sqrt(max(rows, cols))
    so that lr and weight decay are Adam's, on the 2-D weights of the recursive layers; the
    other tensors take Adam-atan2. State keys follow the Adam ones for the records: exp_avg is
    Muon's momentum buffer and exp_avg_sq stays zero (src/train/trainer.ts keeps v at zero)."""

    COEFFS = (3.4445, -4.7750, 2.0315)

    def __init__(self, named_params, betas, weight_decay, momentum, max_grad_norm):
        named = list(named_params)
        self.matrices = [p for n, p in named if p.dim() == 2 and n.startswith("inner.L_level.layers.")]
        ids = {id(p) for p in self.matrices}
        self.adam = AdamAtan2([p for _, p in named if id(p) not in ids], betas, weight_decay)
        self.momentum, self.weight_decay, self.max_grad_norm = momentum, weight_decay, max_grad_norm
        self.params = [p for _, p in named]
        self.state = dict(self.adam.state)
        for p in self.matrices:
            self.state[p] = dict(exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))

    @staticmethod
    def newton_schulz(g, steps=5):
        a, b, c = Muon.COEFFS
        x = g.T if g.size(0) > g.size(1) else g
        x = x / (x.norm() + 1e-7)
        for _ in range(steps):
            gram = x @ x.T
            x = a * x + (b * gram + c * gram @ gram) @ x
        return x.T if g.size(0) > g.size(1) else x

    @torch.no_grad()
    def step(self, lr: float, t: int) -> None:
        # torch.nn.utils.clip_grad_norm_ over every parameter first (the trainer's maxGradNorm).
        if self.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.params, self.max_grad_norm)
        self.adam.step(lr, t)
        mu = self.momentum
        for p in self.matrices:
            buf, g = self.state[p]["exp_avg"], p.grad
            buf.lerp_(g, 1 - mu)
            update = g.lerp(buf, mu)
            o = Muon.newton_schulz(update)
            p.mul_(1 - lr * self.weight_decay)
            p.add_(o, alpha=-lr * 0.2 * math.sqrt(max(p.size(0), p.size(1))))


# --------------------------------------------------------------------------- the slot loop


def forward(model: TRM, y, z, inputs, pids):
    table = model.inner.puzzle_emb.weights if model.cfg.puzzleEmbLen > 0 else None
    rows = table[pids].clone().requires_grad_(True) if table is not None else None
    return rows, model.supervision_step(y, z, inputs, rows)


def simulate(model: TRM, cfg: TRMConfig, run: dict, batches: list, label_hook=None) -> list:
    """Runs the slot loop for len(batches) optimizer steps in the model's dtype; the batches'
    labels may be rewritten by label_hook(t, taken, predictions, labels) before step t."""
    tr = run["trainer"]
    N, prob = run["maxSupervisionSteps"], run["haltExplorationProb"]
    B = batches[0]["inputs"].shape[0]
    inner = model.inner
    params = dict(model.named_parameters())
    if tr["optimizer"] == "adam-atan2":
        opt = AdamAtan2(params.values(), tr["betas"], tr["weightDecay"])
    elif tr["optimizer"] == "muon":
        opt = Muon(params.items(), tr["betas"], tr["weightDecay"], tr["muonMomentum"], tr.get("maxGradNorm"))
    else:
        opt = TorchAdamW(params.values(), tr["betas"], tr["eps"], tr["weightDecay"])
    ema = {n: p.detach().clone() for n, p in params.items()}
    slot_ids = torch.zeros_like(batches[0]["inputs"])
    slot_labels = torch.zeros_like(batches[0]["labels"])
    slot_pids = torch.zeros_like(batches[0]["pids"])
    y, z = model.initial_carry(B)
    steps = torch.zeros(B, dtype=torch.int64)
    halted = torch.ones(B, dtype=torch.bool)
    records = []
    for t, fresh in enumerate(batches, start=1):
        min_steps = exploration_draws(tr["seed"], t, B, prob, N)
        take = halted
        slot_ids = torch.where(take[:, None], fresh["inputs"], slot_ids)
        slot_pids = torch.where(take, fresh["pids"], slot_pids)
        y = torch.where(take[:, None, None], inner.H_init.expand_as(y), y)
        z = torch.where(take[:, None, None], inner.L_init.expand_as(z), z)
        if label_hook is not None:
            with torch.no_grad():
                _, (_, _, logits, _, _) = forward(model, y, z, slot_ids, slot_pids)
            fresh["labels"] = label_hook(t, take, logits.argmax(-1), fresh["labels"])
        slot_labels = torch.where(take[:, None], fresh["labels"], slot_labels)

        for p in params.values():
            p.grad = None
        rows, (y_new, z_new, logits, q_halt, q_cont) = forward(model, y, z, slot_ids, slot_pids)
        total, lm, halt, seq_correct = act_loss(logits, q_halt, slot_labels, cfg.ignoreIndex, cfg.lossKind)
        (total / B).backward()
        grads = {n: p.grad.detach().clone() for n, p in params.items()}

        lr = learning_rate(t, **schedule_of(tr, tr["lr"]))
        puzzle_lr = learning_rate(t, **schedule_of(tr, tr["puzzleEmbLr"]))
        opt.step(lr, t)
        puzzle_grads = None
        with torch.no_grad():
            if rows is not None:
                table = inner.puzzle_emb.weights
                present = torch.unique(slot_pids)
                puzzle_grads = torch.zeros_like(table).index_add_(0, slot_pids, rows.grad)[present]
                table[present] = (table[present] * (1 - puzzle_lr * tr["puzzleEmbWeightDecay"])
                                  - puzzle_lr * torch.sign(puzzle_grads))
            d = tr["emaDecay"]
            for n, p in params.items():
                ema[n] = (1 - d) * p + d * ema[n]

        steps = torch.where(halted, torch.zeros_like(steps), steps) + 1
        h = steps >= N
        if N > 1:
            h = (h | (q_halt.detach() > 0)) & (steps >= torch.from_numpy(min_steps))
        halted = h

        with torch.no_grad():
            valid = (slot_labels != cfg.ignoreIndex).sum(-1)
            correct = ((logits.argmax(-1) == slot_labels) & (slot_labels != cfg.ignoreIndex)).sum(-1)
            counted = halted & (valid > 0)
            count = int(counted.sum())
            per = lambda x: float(x[counted].sum()) / count if count else 0.0  # noqa: E731
            q_right = ((q_halt.detach() >= 0) == seq_correct).double()
            metrics = dict(count=count, accuracy=per(correct.double() / valid.clamp_min(1)),
                           exact_accuracy=per(seq_correct.double()), q_halt_accuracy=per(q_right),
                           mean_steps=per(steps.double()))
        records.append(dict(
            t=t, lr=lr, puzzle_lr=puzzle_lr, min_steps=min_steps,
            lm_loss=lm.detach() / B, halt_loss=halt.detach() / B, metrics=metrics,
            slot_ids=slot_ids.clone(), slot_labels=slot_labels.clone(), slot_pids=slot_pids.clone(),
            slot_steps=steps.clone(), slot_halted=halted.clone(),
            q_halt=q_halt.detach(), q_continue=q_cont.detach(), seq_correct=seq_correct.clone(),
            y=y_new.detach(), z=z_new.detach(), logits=logits.detach(),
            grads=grads, puzzle_grads=puzzle_grads,
            table=inner.puzzle_emb.weights.clone() if rows is not None else None,
            weights={n: p.detach().clone() for n, p in params.items()},
            ema={n: e.clone() for n, e in ema.items()},
            adam_m={n: opt.state[p]["exp_avg"].clone() for n, p in params.items()},
            adam_v={n: opt.state[p]["exp_avg_sq"].clone() for n, p in params.items()},
        ))
        y, z = y_new.detach(), z_new.detach()
    return records


# --------------------------------------------------------------------------- fixtures


def initial_model(cfg: TRMConfig, seed: int, q_std: float, q_bias: float) -> TRM:
    """Official init, with the constant-initialised q head and puzzle table made random (so the
    halting decisions go both ways and the table's decay shows), rounded to f32."""
    gen = torch.Generator().manual_seed(seed + 1000)
    model = TRM(cfg, seed=seed)
    inner = model.inner
    with torch.no_grad():
        trunc_normal_(inner.q_head.weight, q_std, gen)
        inner.q_head.bias.copy_(torch.tensor([q_bias, -q_bias], dtype=torch.float64))
        if cfg.puzzleEmbLen > 0:
            trunc_normal_(inner.puzzle_emb.weights, 1 / math.sqrt(cfg.dim), gen)
        for t in list(model.parameters()) + list(model.buffers()):
            t.copy_(t.float().to(t.dtype))
    return model.double()


def make_batches(cfg: TRMConfig, B: int, seed: int) -> list:
    """Fresh batches: tokens 1..V-1 (token 0 never appears, so its embedding row only decays);
    labels 1..V-1 with some rows sparse (1-3 valid tokens) and the rest about 60% valid."""
    gen = torch.Generator().manual_seed(seed + 2000)
    V, L = cfg.vocabSize, cfg.seqLen
    out = []
    for _ in range(STEPS):
        inputs = torch.randint(1, V, (B, L), generator=gen)
        labels = torch.randint(1, V, (B, L), generator=gen)
        keep = torch.rand(B, L, generator=gen) < 0.6
        for b in range(B):
            if b % 2 == 1:
                keep[b] = False
                keep[b, torch.randperm(L, generator=gen)[: 1 + b % 3]] = True
            keep[b, b % L] = True  # at least one valid token
        labels[~keep] = cfg.ignoreIndex
        pids = torch.randint(0, cfg.numPuzzleIdentifiers, (B,), generator=gen)
        out.append(dict(inputs=inputs, labels=labels, pids=pids))
    return out


def oracle_hook(t, take, preds, labels):
    """A third of the fresh rows get this step's predictions as labels (the halting target is
    then 1 at their first step), so both branches of the halting BCE run."""
    labels = labels.clone()
    for b in range(labels.shape[0]):
        if take[b] and (t + b) % 3 == 0:
            labels[b] = torch.where(labels[b] == IGNORE_INDEX, labels[b], preds[b])
    return labels


def margins(cfg: TRMConfig, run: dict, records: list) -> dict:
    N = run["maxSupervisionSteps"]
    logit_margin = sign_margin = math.inf
    decisive = blocked = 0
    for r in records:
        steps, min_steps = r["slot_steps"], torch.from_numpy(r["min_steps"])
        decisive += int(((steps < N) & (steps >= min_steps)).sum())  # q_halt decided
        blocked += int(((steps < N) & (steps < min_steps) & (r["q_halt"] > 0)).sum())  # exploration kept it
        mask = r["slot_labels"] != cfg.ignoreIndex
        top2 = r["logits"].topk(2, dim=-1).values
        logit_margin = min(logit_margin, (top2[..., 0] - top2[..., 1])[mask].min().item())
        if r["puzzle_grads"] is not None:
            g = r["puzzle_grads"]
            sign_margin = min(sign_margin, (g.abs().min() / g.abs().max()).item())
    # Every |q_halt|, not only the decisive ones: q_halt >= 0 enters the q-halt accuracy metric.
    q_margin = min(r["q_halt"].abs().min().item() for r in records)
    return dict(qHalt=q_margin, top2Logit=logit_margin,
                puzzleGradSign=sign_margin if sign_margin < math.inf else None,  # None: no prefix
                decisiveHaltDecisions=decisive, haltsBlockedByExploration=blocked)


def rel_err(a: torch.Tensor, ref: torch.Tensor) -> float:
    """max |a - ref| / max |ref| (floor 1e-6 for all-zero tensors), the Deno test's measure."""
    a, ref = a.double(), ref.double()
    scale = max(ref.abs().max().item() if ref.numel() else 0.0, 1e-6)
    return (a - ref).abs().max().item() / scale if ref.numel() else 0.0


def compare_runs(ref: list, f32: list, full_steps) -> dict:
    """Worst relative error of the float32 rerun per tensor family; decisions must agree."""
    worst: dict = {}

    def note(family, a, b):
        worst[family] = max(worst.get(family, 0.0), rel_err(a, b))

    for r, s in zip(ref, f32):
        for key in ("slot_ids", "slot_labels", "slot_pids", "slot_steps", "slot_halted", "seq_correct"):
            assert torch.equal(r[key], s[key]), f"float32 rerun: {key} differs at step {r['t']}"
        assert r["metrics"]["count"] == s["metrics"]["count"]
        note("lm_loss", s["lm_loss"], r["lm_loss"])
        note("halt_loss", s["halt_loss"], r["halt_loss"])
        for key in ("accuracy", "exact_accuracy", "q_halt_accuracy", "mean_steps"):
            note("metrics", torch.tensor(s["metrics"][key]), torch.tensor(r["metrics"][key]))
        note("q", s["q_halt"], r["q_halt"])
        note("carry", s["y"], r["y"])
        note("carry", s["z"], r["z"])
        if r["table"] is not None:
            note("puzzle_table", s["table"], r["table"])
        if r["t"] in full_steps:
            for fam in ("weights", "ema", "adam_m", "adam_v"):
                for n in r[fam]:
                    note(fam, s[fam][n], r[fam][n])
    return worst


def make(name: str, cfg: TRMConfig, run: dict, batch: int, seed: int, full_steps) -> None:
    torch.manual_seed(seed)
    model = initial_model(cfg, seed, q_std=1.0, q_bias=0.5)
    init = {n: t.detach().clone() for n, t in model.state_dict().items()}
    batches = make_batches(cfg, batch, seed)
    ref = simulate(copy.deepcopy(model), cfg, run, batches, oracle_hook)  # rewrites the labels
    ref2 = simulate(copy.deepcopy(model), cfg, run, batches)
    assert all(torch.equal(a["lm_loss"], b["lm_loss"]) for a, b in zip(ref, ref2)), "not deterministic"

    m = margins(cfg, run, ref)
    if m["qHalt"] < Q_MARGIN or m["top2Logit"] < LOGIT_MARGIN or (m["puzzleGradSign"] or 1) < SIGN_MARGIN:
        raise SystemExit(f"{name}: margins {m} too small for f32 parity; change the seed")
    f32 = simulate(copy.deepcopy(model).float(), cfg, run, [dict(b) for b in batches])
    worst = compare_runs(ref, f32, full_steps)
    bad = {k: v for k, v in worst.items() if v > F32_FACTOR * RELATIVE_TOLERANCE}
    if bad:
        raise SystemExit(f"{name}: the float32 rerun is too far from float64: {bad}")

    f32np = lambda t: t.detach().to(torch.float32).numpy()  # noqa: E731
    i32 = lambda t: np.asarray(t.numpy() if torch.is_tensor(t) else t).astype("<i4")  # noqa: E731
    tensors = {n: f32np(t) for n, t in init.items()}
    for r in ref:
        p = f"batch.step{r['t']}."
        b = batches[r["t"] - 1]
        tensors[p + "inputs"] = i32(b["inputs"])
        tensors[p + "labels"] = i32(b["labels"])
        if cfg.puzzleEmbLen > 0:
            tensors[p + "puzzle_identifiers"] = i32(b["pids"])
        p = f"ref.step{r['t']}."
        tensors[p + "min_steps"] = i32(r["min_steps"])
        for key in ("lr", "puzzle_lr"):
            tensors[p + key] = np.array(r[key], dtype="<f8")
        for key in ("lm_loss", "halt_loss", "q_halt", "q_continue", "y", "z"):
            tensors[p + key] = f32np(r[key])
        for key, v in r["metrics"].items():
            tensors[p + key] = np.array(v, dtype="<f8")
        for key in ("slot_ids", "slot_labels", "slot_steps", "slot_halted", "seq_correct"):
            tensors[p + key] = i32(r[key].to(torch.int64))
        if cfg.puzzleEmbLen > 0:
            tensors[p + "slot_pids"] = i32(r["slot_pids"])
            tensors[p + "inner.puzzle_emb.weights"] = f32np(r["table"])
        if r["t"] in full_steps:
            for fam in ("weights", "ema", "adam_m", "adam_v"):
                for n, v in r[fam].items():
                    tensors[f"{p}{fam}.{n}"] = f32np(v)

    config = json.loads(cfg.to_json())
    config.update(maxSupervisionSteps=run["maxSupervisionSteps"], haltExplorationProb=run["haltExplorationProb"])
    halts = [r["slot_halted"].tolist() for r in ref]
    targets = [r["seq_correct"].int().tolist() for r in ref]
    fixture_info = {
        "batch": batch, "steps": STEPS, "stepNumbering": "1-based", "seed": seed,
        "fullSteps": sorted(full_steps), "computeDtype": "float64",
        "storedDtype": "F32 (ids, labels, slot state I32; lr and metrics F64)",
        "tolerance": f"max |ours - ref| <= {RELATIVE_TOLERANCE} x max |ref| per tensor",
        "margins": m, "float32RerunWorstRelativeError": worst,
        "slotHalted": halts, "haltTargets": targets,
    }
    metadata = {"format": "pt", "config": json.dumps(config, sort_keys=True),
                "trainer": json.dumps(run["trainer"], sort_keys=True),
                "fixture": json.dumps(fixture_info, sort_keys=True)}
    path = os.path.join(OUT_DIR, f"{name}.safetensors")
    size = save_safetensors(path, tensors, metadata)
    back, _ = load_safetensors(path)
    for n, t in tensors.items():
        assert back[n].shape == t.shape and np.array_equal(back[n], t), n
    print(f"{name}: {size:,} bytes, {len(tensors)} tensors, {model.num_parameters():,} params")
    print(f"  lm {[round(r['lm_loss'].item(), 5) for r in ref]}")
    print(f"  halt {[round(r['halt_loss'].item(), 5) for r in ref]}")
    print("  lr", [float('%.3g' % r['lr']) for r in ref])
    print(f"  halted {[''.join(str(int(x)) for x in h) for h in halts]}")
    print(f"  steps {[''.join(str(int(x)) for x in r['slot_steps']) for r in ref]}")
    print(f"  min_steps {[''.join(str(int(x)) for x in r['min_steps']) for r in ref]}")
    print(f"  targets {[''.join(str(x) for x in tg) for tg in targets]}")
    print(f"  margins {m}")
    print(f"  float32 rerun worst rel err {', '.join(f'{k} {v:.2e}' for k, v in worst.items())}")


def main() -> None:
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    only = sys.argv[1:]

    attention = TRMConfig(vocabSize=6, dim=8, numLayers=1, numHeads=2, seqLen=12, puzzleEmbLen=2,
                          numPuzzleIdentifiers=5, expansion=4.0, tCycles=2, nRecursions=1,
                          useMlpMixer=False, posEncoding="rope")
    atan2_run = dict(
        maxSupervisionSteps=3, haltExplorationProb=0.5,
        # emaDecay 0.9 (official 0.999) so that the EMA moves measurably in 10 steps.
        trainer=dict(optimizer="adam-atan2", lr=3e-3, weightDecay=1.0, warmupSteps=3, schedule="cosine",
                     totalSteps=12, minLrRatio=0.1, emaDecay=0.9, betas=[0.9, 0.95], eps=1e-8,
                     puzzleEmbLr=1e-2, puzzleEmbWeightDecay=0.1, seed=5),
    )
    mixer = TRMConfig(vocabSize=6, dim=8, numLayers=1, numHeads=2, seqLen=6, puzzleEmbLen=0,
                      numPuzzleIdentifiers=1, expansion=4.0, tCycles=2, nRecursions=1,
                      useMlpMixer=True, posEncoding="none")
    adamw_run = dict(
        # haltExplorationProb 0: no exploration draws (the other fixture has them).
        maxSupervisionSteps=2, haltExplorationProb=0.0,
        trainer=dict(optimizer="adamw", lr=1e-3, weightDecay=0.1, warmupSteps=4, schedule="constant",
                     minLrRatio=0.0, emaDecay=0.8, betas=[0.9, 0.99], eps=1e-6,
                     puzzleEmbLr=3e-3, puzzleEmbWeightDecay=0.1, seed=0),
    )
    if not only or "optim_atan2_attention" in only:
        make("optim_atan2_attention", attention, atan2_run, batch=8, seed=26, full_steps={1, 2, 3, 10})
    if not only or "optim_adamw_mlp" in only:
        make("optim_adamw_mlp", mixer, adamw_run, batch=6, seed=13, full_steps={1, 2, 10})
    muon_run = dict(
        maxSupervisionSteps=2, haltExplorationProb=0.0,
        # maxGradNorm set: the clipping factor (GPU-side in the trainer) is computed and applied.
        trainer=dict(optimizer="muon", muonMomentum=0.9, lr=2e-3, weightDecay=0.5, warmupSteps=2,
                     schedule="cosine", totalSteps=12, minLrRatio=0.1, emaDecay=0.8, betas=[0.9, 0.95],
                     eps=1e-8, maxGradNorm=0.5, puzzleEmbLr=2e-3, puzzleEmbWeightDecay=0.5, seed=0),
    )
    if not only or "optim_muon_mlp" in only:
        make("optim_muon_mlp", mixer, muon_run, batch=6, seed=17, full_steps={1, 2, 10})


if __name__ == "__main__":
    main()
