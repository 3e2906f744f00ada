#!/usr/bin/python3
"""GAN on a ring of 8 Gaussians (the mixture of Metz et al. 2016 / VEEGAN /
PacGAN), timed, with the mode-coverage figures of VEEGAN and PacGAN.

Data: 8 modes evenly spaced on a circle of radius 2, std 0.02, fresh samples
every step. G: noise N(0, I_2) -> Linear 128, ReLU, Linear 128, ReLU, Linear 2.
D: 2 -> 128 ReLU -> 128 ReLU -> 1 logit. Non-saturating loss (BCEWithLogits),
batch 512, Adam lr 1e-4 for both with betas (--beta1, 0.999); beta1 defaults to
0.5 as in Metz et al.'s mixture experiment. One step = one D step + one G step.

Evaluation (rules of VEEGAN, Srivastava et al. 2017, section 5, reused by
PacGAN, Lin et al. 2018): draw 2,500 samples from G; a sample is high quality
(HQ) when its Euclidean distance to the nearest mode centre is at most 3 std
(0.06); a mode is covered when at least one HQ sample has it as nearest mode.
Reported: modes covered (of 8), HQ share in percent, and PacGAN's reverse KL,
KL(p_G || uniform) where p_G is the share of all samples whose nearest mode is
each mode (modes with no sample add nothing).
"""

import argparse
import math
import time

import common

MODES = 8
RADIUS = 2.0
STD = 0.02


def mode_centres(modes=MODES, radius=RADIUS):
    return [(radius * math.cos(2 * math.pi * k / modes), radius * math.sin(2 * math.pi * k / modes))
            for k in range(modes)]


def mode_metrics(samples, centres, std):
    """samples: iterable of (x, y). Returns (modes covered, HQ share in [0,1],
    reverse KL in nats) by the VEEGAN/PacGAN rules described in the module doc."""
    counts = [0] * len(centres)
    hq_counts = [0] * len(centres)
    n = hq = 0
    limit = 3.0 * std
    for x, y in samples:
        best, best_d = 0, float("inf")
        for k, (cx, cy) in enumerate(centres):
            d = math.hypot(x - cx, y - cy)
            if d < best_d:
                best, best_d = k, d
        n += 1
        counts[best] += 1
        if best_d <= limit:
            hq += 1
            hq_counts[best] += 1
    if n == 0:
        raise ValueError("mode_metrics: no samples")
    covered = sum(1 for c in hq_counts if c > 0)
    kl = 0.0
    for c in counts:
        if c:
            p = c / n
            kl += p * math.log(p * len(centres))
    return covered, hq / n, kl


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 leaves torch's default")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--eval-samples", type=int, default=2500)
    p.add_argument("--json", action="store_true", help="stdout: one JSON object at the end; progress to stderr")
    args = p.parse_args()
    if args.steps < 1:
        p.error("--steps must be >= 1")

    import torch
    from torch import nn
    from torch.nn import functional as F

    common.set_threads(args.threads)
    say = common.log if args.json else print
    torch.manual_seed(args.seed)

    centres = torch.tensor(mode_centres())

    def real_batch(n):
        k = torch.randint(0, MODES, (n,))
        return centres[k] + STD * torch.randn(n, 2)

    z_dim, h = 2, 128
    gen = nn.Sequential(nn.Linear(z_dim, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))
    disc = nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1))
    betas = (args.beta1, 0.999)
    opt_g = torch.optim.Adam(gen.parameters(), lr=args.lr, betas=betas)
    opt_d = torch.optim.Adam(disc.parameters(), lr=args.lr, betas=betas)
    bs = args.batch_size
    ones, zeros = torch.ones(bs, 1), torch.zeros(bs, 1)

    t0 = time.perf_counter()
    for _ in range(args.steps):
        opt_d.zero_grad()
        fake = gen(torch.randn(bs, z_dim))
        d_loss = (F.binary_cross_entropy_with_logits(disc(real_batch(bs)), ones)
                  + F.binary_cross_entropy_with_logits(disc(fake.detach()), zeros))
        d_loss.backward()
        opt_d.step()

        opt_g.zero_grad()
        g_loss = F.binary_cross_entropy_with_logits(disc(gen(torch.randn(bs, z_dim))), ones)
        g_loss.backward()
        opt_g.step()
    total_s = time.perf_counter() - t0

    with torch.no_grad():
        s = gen(torch.randn(args.eval_samples, z_dim))
    covered, hq, rkl = mode_metrics(s.tolist(), mode_centres(), STD)
    rss = common.peak_rss_mb()
    say("ring: %d steps in %.2f s (%.3f ms/step), d_loss %.4f g_loss %.4f"
        % (args.steps, total_s, 1000 * total_s / args.steps, d_loss.item(), g_loss.item()))
    say("ring: modes %d/%d, high quality %.1f%%, reverse KL %.3f, peak RSS %.0f MiB"
        % (covered, MODES, 100 * hq, rkl, rss))
    if args.json:
        out = {
            "total_seconds": total_s,
            "ms_per_step": 1000 * total_s / args.steps,
            "steps": args.steps,
            "modes": covered,
            "hq_percent": 100 * hq,
            "reverse_kl": rkl,
            "d_loss_last": d_loss.item(),
            "g_loss_last": g_loss.item(),
            "peak_rss_mb": rss,
            "seed": args.seed,
        }
        out.update(common.thread_info())
        common.emit_json(out)


if __name__ == "__main__":
    main()
