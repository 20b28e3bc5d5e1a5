#!/usr/bin/env python3
"""PyTorch + MONAI Generative side of the `ldm` benchmark suite (bench/BrainGen.Bench/LdmBench.cs).

Builds the same autoencoder and diffusion UNet as the C# side, prints one JSON line of facts
(threads, torch version), then serves commands on stdin, one per line, one JSON line back each:
  `warmup step|decode` -> {}                       (the decode warm-up uses config["warmup_latent_shape"])
  `rep step|decode`    -> {"wall": s, "cpu": s, "faults": n}   (medians over config["iters"] calls)
  `free unet`          -> {}                       (drops the UNet so the decode phase has its memory)
  `quit`
The C# suite alternates its own repetitions with ours, so background load falls on both alike.
wall = time.perf_counter, cpu = time.process_time (all threads of this process, user + system),
faults = minor page faults of this process (getrusage ru_minflt).
usage: PYTHONPATH=<MONAI 1.3>:<GenerativeModels> ldm_bench.py '<config json>'
"""
import gc
import json
import resource
import statistics
import sys
import time

import torch
from generative.networks.nets import AutoencoderKL, DiffusionModelUNet
from generative.networks.schedulers import DDIMScheduler


def reply(obj):
    print(json.dumps(obj), flush=True)


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c["threads"])
    torch.manual_seed(0)
    torch.set_grad_enabled(False)  # the whole process is inference, as the C# side's Torch.NoGrad()
    ae = AutoencoderKL(**c["autoencoder"]).eval()
    unet = DiffusionModelUNet(**c["unet"]).eval()
    scheduler = DDIMScheduler(num_train_timesteps=1000, schedule="scaled_linear_beta", beta_start=0.0015, beta_end=0.0205,
                              clip_sample=False)
    scheduler.set_timesteps(50)
    latent = torch.randn(c["latent_shape"])
    warmup_latent = torch.randn(c["warmup_latent_shape"])
    k = c["unet"]["cross_attention_dim"]
    cond = torch.rand(1, 1, k)
    concat = cond.squeeze(1)[..., None, None, None].expand(1, k, *latent.shape[2:])
    t = scheduler.timesteps[0]

    def step():
        out = unet(torch.cat((latent, concat), dim=1), timesteps=torch.Tensor((t,)).long(), context=cond)
        scheduler.step(out, t, latent)

    def decode(z=latent):
        ae.decode_stage_2_outputs(z)

    cases = {"step": step, "decode": decode}
    reply({"threads": torch.get_num_threads(), "torch": torch.__version__})
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "quit":
            break
        if cmd == "warmup":
            cases[arg](*([warmup_latent] if arg == "decode" else []))
            reply({})
        elif cmd == "rep":
            walls, cpus, faults = [], [], []
            for _ in range(c["iters"]):
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                w0, c0 = time.perf_counter(), time.process_time()
                cases[arg]()
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
            reply({"wall": statistics.median(walls), "cpu": statistics.median(cpus), "faults": int(statistics.median(faults))})
        elif cmd == "free":  # free unet
            del cases["step"], step, unet
            gc.collect()
            reply({})
        else:
            raise ValueError(f"unknown command {line!r}")


if __name__ == "__main__":
    main()
