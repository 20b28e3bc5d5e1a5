#!/usr/bin/env python3
"""PyTorch + MONAI Generative side of the `ldm` benchmark suite (bench/BrainGen.Bench/LdmBench.cs).

Times one DDIM step (UNet forward on latents + condition channels, then scheduler.step) and one
autoencoder decode for the same architecture as the C# side, and prints JSON: {"step": [s...],
"decode": [s...]}, one wall time per repetition, each the median of --iters calls.
usage: PYTHONPATH=<MONAI 1.3>:<GenerativeModels> ldm_bench.py --config '<json>' --threads N --reps R --iters I
"""
import argparse
import json
import statistics
import time

import torch
from generative.networks.nets import AutoencoderKL, DiffusionModelUNet
from generative.networks.schedulers import DDIMScheduler


def timed(fn, iters):
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--iters", type=int, default=1)
    a = p.parse_args()
    c = json.loads(a.config)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    ae = AutoencoderKL(**c["autoencoder"]).eval()
    unet = DiffusionModelUNet(**c["unet"]).eval()
    scheduler = DDIMScheduler(num_train_timesteps=1000, schedule="scaled_linear_beta", beta_start=0.0015, beta_end=0.0205,
                              clip_sample=False)
    scheduler.set_timesteps(50)
    latent = torch.randn(c["latent_shape"])
    k = c["unet"]["cross_attention_dim"]
    cond = torch.rand(1, 1, k)
    concat = cond.squeeze(1)[..., None, None, None].expand(1, k, *latent.shape[2:])
    t = scheduler.timesteps[0]

    def step():
        with torch.no_grad():
            out = unet(torch.cat((latent, concat), dim=1), timesteps=torch.Tensor((t,)).long(), context=cond)
            scheduler.step(out, t, latent)

    def decode():
        with torch.no_grad():
            ae.decode_stage_2_outputs(latent)

    step(), decode()  # warm-up
    result = {"threads": torch.get_num_threads(), "step": [], "decode": []}
    for _ in range(a.reps):
        result["step"].append(timed(step, a.iters))
        result["decode"].append(timed(decode, a.iters))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
