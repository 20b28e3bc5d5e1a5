#!/usr/bin/python3
"""PyTorch side of `BrainGen.Bench engine` (bench/BrainGen.Bench/EngineBench.cs).

Builds the same small 3D network as the C# suite (a stack of MONAI AutoencoderKL-style ResBlocks:
GroupNorm -> SiLU -> Conv3d -> GroupNorm -> SiLU -> Conv3d, plus the skip), with the same seed and
construction order, so both sides start from identical weights and inputs; the C# suite compares the
`check` loss to prove it. Times the requested cases and prints one JSON object on stdout.

Each case: `warmup` untimed calls, then `reps` repetitions, each the median of `iters` calls; the
per-repetition medians (seconds) are reported. The C# suite starts this script with --serve and
asks for one repetition at a time, alternating with its own, so that both sides see the same
background load on a shared machine.

Run it by hand:  /usr/bin/python3 bench/python/engine_bench.py --variant fp32 --cases infer,train
"""
import argparse
import contextlib
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    """MONAI's AutoencoderKL ResBlock with in == out channels (no nin_shortcut)."""

    def __init__(self, channels: int, groups: int, eps: float, norm_fp32: bool = False):
        super().__init__()
        # libtorch 1.13's CPU autocast leaves group_norm out of its fp32 list, and its CPU kernel
        # rejects a bf16 input with fp32 affine parameters; 2.x casts it to fp32 itself. Under
        # bf16 autocast the norms therefore get an explicit fp32 input (convs still run in bf16).
        self.norm_fp32 = norm_fp32
        # Construction order fixes the RNG stream: the C# ResBlock registers in the same order.
        self.norm1 = nn.GroupNorm(groups, channels, eps=eps, affine=True)
        self.conv1 = nn.Conv3d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, channels, eps=eps, affine=True)
        self.conv2 = nn.Conv3d(channels, channels, 3, padding=1)

    def norm_input(self, x):
        return x.float() if self.norm_fp32 else x

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(self.norm_input(x))))
        h = self.conv2(F.silu(self.norm2(self.norm_input(h))))
        return x + h


def build(args, variant):
    torch.manual_seed(args.seed)
    model = nn.Sequential(*[ResBlock(args.channels, args.groups, 1e-6, variant == "bf16") for _ in range(args.blocks)])
    shape = (1, args.channels, args.size, args.size, args.size)
    x = torch.randn(shape)
    target = torch.randn(shape)
    if variant == "cl3d":
        # Parameters (5-d conv weights) and activations in NDHWC order.
        model = model.to(memory_format=torch.channels_last_3d)
        x = x.contiguous(memory_format=torch.channels_last_3d)
        target = target.contiguous(memory_format=torch.channels_last_3d)
    return model, x, target


def autocast(variant):
    return torch.autocast("cpu", dtype=torch.bfloat16) if variant == "bf16" else contextlib.nullcontext()


def one_rep(fn, iters, clock=time.perf_counter):
    times = []
    for _ in range(iters):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def network_cases(args, variant):
    model, x, target = build(args, variant)
    with torch.no_grad(), autocast(variant):
        check = F.mse_loss(model(x).float(), target).item()

    def infer():
        with torch.no_grad(), autocast(variant):
            model(x)

    # foreach=False: the single-tensor AdamW path, which BrainGen's AdamW reproduces op for op.
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=False)

    def train():
        opt.zero_grad(set_to_none=True)
        with autocast(variant):
            loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
    return check, {"infer": (infer, args.iters), "train": (train, args.iters)}


def conv_case(args, variant):
    # One conv3d 1 x C x S^3 -> C, 3x3x3, pad 1 (the network's workhorse), no grad.
    torch.manual_seed(args.seed)
    c, s = args.conv_channels, args.conv_size
    x = torch.randn(1, c, s, s, s)
    w = torch.randn(c, c, 3, 3, 3) * 0.05
    b = torch.zeros(c)
    if variant == "cl3d":
        x = x.contiguous(memory_format=torch.channels_last_3d)
        w = w.contiguous(memory_format=torch.channels_last_3d)

    def conv():
        with torch.no_grad(), autocast(variant):
            F.conv3d(x, w, b, padding=1)
    return conv, args.conv_iters


def sgemm_case(args):
    torch.manual_seed(args.seed)
    a, b = torch.randn(args.gemm_n, args.gemm_n), torch.randn(args.gemm_n, args.gemm_n)
    return (lambda: torch.mm(a, b)), args.gemm_iters


def tiny_add_case(args):
    # Per-op overhead: a 1-element add is all dispatch, allocation and binding, no arithmetic.
    a, b = torch.ones(1), torch.ones(1)

    def batch():
        for _ in range(args.tiny_ops):
            torch.add(a, b)
    return batch, 3


def make_cases(args, cases):
    out, table = {}, {}
    if cases & {"infer", "train"}:
        out["check"], table = network_cases(args, args.variant)
    if "conv" in cases:
        table["conv"] = conv_case(args, args.variant)
    if "sgemm" in cases:
        table["sgemm"] = sgemm_case(args)
    if "tinyadd" in cases:
        table["tinyadd"] = tiny_add_case(args)
    return out, table


def scale(case, args):
    # tinyadd reports seconds per op, the rest seconds per call.
    return 1.0 / args.tiny_ops if case == "tinyadd" else 1.0


def rep(case, fn, iters, args):
    # tinyadd is timed in thread CPU time, as on the C# side: µs-scale single-threaded work on a
    # loaded machine would otherwise measure mostly time spent descheduled.
    clock = time.thread_time if case == "tinyadd" else time.perf_counter
    return one_rep(fn, iters, clock) * scale(case, args)


def serve(args, out, table):
    """Line protocol for the C# suite, which interleaves its repetitions with ours:
    `warmup CASE` -> {}, `rep CASE` -> {"t": seconds}, `quit`."""
    print(json.dumps(out), flush=True)
    for line in sys.stdin:
        cmd, _, case = line.strip().partition(" ")
        if cmd == "quit":
            break
        fn, iters = table[case]
        if cmd == "warmup":
            fn()
            print("{}", flush=True)
        else:
            print(json.dumps({"t": rep(case, fn, iters, args)}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--variant", choices=["fp32", "cl3d", "bf16"], default="fp32")
    p.add_argument("--cases", default="infer,train")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--groups", type=int, default=8)
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--conv-size", type=int, default=64)
    p.add_argument("--conv-channels", type=int, default=32)
    p.add_argument("--conv-iters", type=int, default=3)
    p.add_argument("--gemm-n", type=int, default=1024)
    p.add_argument("--gemm-iters", type=int, default=10)
    p.add_argument("--tiny-ops", type=int, default=20000)
    p.add_argument("--serve", action="store_true", help="take commands on stdin (used by the C# suite)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    out, table = make_cases(args, set(args.cases.split(",")))
    out.update(torch=torch.__version__, threads=torch.get_num_threads(), variant=args.variant)
    if args.serve:
        serve(args, out, table)
        return
    for case, (fn, iters) in table.items():
        for _ in range(args.warmup):
            fn()
        out[case] = [rep(case, fn, iters, args) for _ in range(args.reps)]
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
