#!/usr/bin/python3
"""DCGAN of exp's DESIGN.md section 2.2 (experiments/dcgan.hcl) in PyTorch, timed
per training iteration.

Generator: Linear(100, 128*7*7), BatchNorm1d, ReLU, reshape to 128x7x7,
ConvTranspose2d(128, 64, 4, 2, 1), BatchNorm2d, ReLU, ConvTranspose2d(64, 1, 4,
2, 1), tanh. Discriminator: Conv2d(1, 64, 4, 2, 1), LeakyReLU 0.2, Conv2d(64,
128, 4, 2, 1), BatchNorm2d, LeakyReLU 0.2, flatten, Linear(6272, 1) (a logit).
Layers the HCL gives init = "normal(0, 0.02)" get N(0, 0.02) weights and zero
biases; the final Linear and the batch norms keep PyTorch's defaults. Loss:
BCEWithLogits, non-saturating generator loss; Adam 2e-4, betas (0.5, 0.999) for
both; batch 64 of MNIST scaled to [-1, 1]; noise N(0, I).

One iteration = one discriminator step (a real batch and a fake batch, the fake
detached) + one generator step on a fresh noise batch, as DESIGN's d_steps = 1.
The first --warmup iterations are run but not timed into the median.
"""

import argparse
import time

import common


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iters", type=int, default=200, help="timed iterations (after the warm-up)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 leaves torch's default")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--json", action="store_true", help="stdout: one JSON object at the end; progress to stderr")
    args = p.parse_args()
    if args.iters < 1 or args.warmup < 0:
        p.error("--iters must be >= 1 and --warmup >= 0")

    import torch
    from torch import nn
    from torch.nn import functional as F

    common.set_threads(args.threads)
    say = common.log if args.json else print
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    x_train, _ = common.load_mnist("train")
    x_train = x_train.mul_(2.0).sub_(1.0).reshape(-1, 1, 28, 28)
    load_s = time.perf_counter() - t0

    def dcgan_init(m):
        nn.init.normal_(m.weight, 0.0, 0.02)
        nn.init.zeros_(m.bias)
        return m

    z_dim = 100
    gen = nn.Sequential(
        dcgan_init(nn.Linear(z_dim, 128 * 7 * 7)),
        nn.BatchNorm1d(128 * 7 * 7),
        nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        dcgan_init(nn.ConvTranspose2d(128, 64, 4, 2, 1)),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        dcgan_init(nn.ConvTranspose2d(64, 1, 4, 2, 1)),
        nn.Tanh(),
    )
    disc = nn.Sequential(
        dcgan_init(nn.Conv2d(1, 64, 4, 2, 1)),
        nn.LeakyReLU(0.2),
        dcgan_init(nn.Conv2d(64, 128, 4, 2, 1)),
        nn.BatchNorm2d(128),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1),
    )
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bs = args.batch_size
    ones = torch.ones(bs, 1)
    zeros = torch.zeros(bs, 1)
    n = x_train.shape[0]
    perm, pos = torch.randperm(n), 0

    times, d_losses, g_losses = [], [], []
    total = args.warmup + args.iters
    t_all = time.perf_counter()
    for it in range(total):
        t0 = time.perf_counter()
        if pos + bs > n:
            perm, pos = torch.randperm(n), 0
        real = x_train[perm[pos:pos + bs]]
        pos += bs

        opt_d.zero_grad()
        fake = gen(torch.randn(bs, z_dim))
        d_loss = (F.binary_cross_entropy_with_logits(disc(real), ones)
                  + F.binary_cross_entropy_with_logits(disc(fake.detach()), zeros))
        d_loss.backward()
        opt_d.step()

        opt_g.zero_grad()
        fake = gen(torch.randn(bs, z_dim))
        g_loss = F.binary_cross_entropy_with_logits(disc(fake), ones)
        g_loss.backward()
        opt_g.step()

        d_losses.append(d_loss.item())
        g_losses.append(g_loss.item())
        dt = time.perf_counter() - t0
        if it >= args.warmup:
            times.append(dt)
    total_s = time.perf_counter() - t_all

    med = common.median(times)
    rss = common.peak_rss_mb()
    say("dcgan: %d iterations (+%d warm-up), median %.4f s/iter (min %.4f, max %.4f), total %.2f s"
        % (args.iters, args.warmup, med, min(times), max(times), total_s))
    say("dcgan: last d_loss %.4f g_loss %.4f, peak RSS %.0f MiB, MNIST load %.2f s"
        % (d_losses[-1], g_losses[-1], rss, load_s))
    if args.json:
        out = {
            "median_iter_seconds": med,
            "min_iter_seconds": min(times),
            "iters": args.iters,
            "warmup": args.warmup,
            "total_seconds": total_s,
            "d_loss_last": d_losses[-1],
            "g_loss_last": g_losses[-1],
            "load_seconds": load_s,
            "peak_rss_mb": rss,
            "seed": args.seed,
        }
        out.update(common.thread_info())
        common.emit_json(out)


if __name__ == "__main__":
    main()
