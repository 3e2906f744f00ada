#!/usr/bin/python3
"""Conditional GANs of exp's experiments written in PyTorch, to check that
whether a model conditions is the model's doing, not exp's (issue 3).

--model mlp: experiments/cgan_mnist.hcl (label concatenated to z and to x).
--model cdcgan: the DCGAN with the label at z and at D's flattened features.
--model cdcgan_ymap: experiments/cdcgan_mnist.hcl (also a dense y -> 64x14x14
bias map added to D's first feature maps).

Prints the conditional accuracy every --every steps, scored by a small MLP
classifier trained here first (about 96% on the test set); --dump FILE writes
1,000 samples of the last step (float32 in [0, 1], label i % 10 for sample i)
for scoring with exp's reference classifier.
"""

import argparse
import sys

import common


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=["mlp", "cdcgan", "cdcgan_ymap"], default="cdcgan_ymap")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--every", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dump", default="")
    args = p.parse_args()

    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x, y = common.load_mnist("train")
    xt, yt = common.load_mnist("test")

    clf = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(clf.parameters(), 1e-3)
    for _ in range(2):
        perm = torch.randperm(60000)
        for i in range(0, 60000 - 127, 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(clf(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    print("classifier test accuracy %.4f" % (clf(xt).argmax(1) == yt).float().mean().item(), flush=True)

    x = x * 2 - 1

    def dcgan_init(m):
        nn.init.normal_(m.weight, 0, 0.02)
        nn.init.zeros_(m.bias)
        return m

    class MLPG(nn.Module):
        def __init__(s):
            super().__init__()
            s.net = nn.Sequential(nn.Linear(110, 256), nn.LeakyReLU(0.2), nn.Linear(256, 784), nn.Tanh())

        def forward(s, z, c):
            return s.net(torch.cat([z, c], 1))

    class MLPD(nn.Module):
        def __init__(s):
            super().__init__()
            s.net = nn.Sequential(nn.Linear(794, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))

        def forward(s, v, c):
            return s.net(torch.cat([v.flatten(1), c], 1))

    class ConvG(nn.Module):
        def __init__(s):
            super().__init__()
            s.fc = dcgan_init(nn.Linear(110, 128 * 49))
            s.bn0 = nn.BatchNorm1d(128 * 49)
            s.up1 = dcgan_init(nn.ConvTranspose2d(128, 64, 4, 2, 1))
            s.bn1 = nn.BatchNorm2d(64)
            s.up2 = dcgan_init(nn.ConvTranspose2d(64, 1, 4, 2, 1))

        def forward(s, z, c):
            h = F.relu(s.bn0(s.fc(torch.cat([z, c], 1)))).reshape(-1, 128, 7, 7)
            return torch.tanh(s.up2(F.relu(s.bn1(s.up1(h))))).flatten(1)

    class ConvD(nn.Module):
        def __init__(s, ymap):
            super().__init__()
            s.c1 = dcgan_init(nn.Conv2d(1, 64, 4, 2, 1))
            s.ymap = nn.Linear(10, 64 * 14 * 14) if ymap else None
            s.c2 = dcgan_init(nn.Conv2d(64, 128, 4, 2, 1))
            s.bn2 = nn.BatchNorm2d(128)
            s.logit = nn.Linear(6272 + 10, 1)

        def forward(s, v, c):
            h = s.c1(v.reshape(-1, 1, 28, 28))
            if s.ymap is not None:
                h = h + s.ymap(c).reshape(-1, 64, 14, 14)
            h = F.leaky_relu(s.bn2(s.c2(F.leaky_relu(h, 0.2))), 0.2).flatten(1)
            return s.logit(torch.cat([h, c], 1))

    if args.model == "mlp":
        g, d = MLPG(), MLPD()
    else:
        g, d = ConvG(), ConvD(args.model == "cdcgan_ymap")
    opt_g = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = F.binary_cross_entropy_with_logits

    def samples(n):
        g.eval()
        with torch.no_grad():
            lab = torch.arange(n) % 10
            s = (g(torch.randn(n, 100), F.one_hot(lab, 10).float()) + 1) / 2
        g.train()
        return s, lab

    step = 0
    while step < args.steps:
        perm = torch.randperm(60000)
        for i in range(0, 60000 - 63, 64):
            idx = perm[i:i + 64]
            real_y = F.one_hot(y[idx], 10).float()
            fake_y = F.one_hot(torch.randint(0, 10, (64,)), 10).float()
            fake = g(torch.randn(64, 100), fake_y)
            dr, df = d(x[idx], real_y), d(fake.detach(), fake_y)
            loss_d = bce(dr, torch.ones_like(dr)) + bce(df, torch.zeros_like(df))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            fake_y = F.one_hot(torch.randint(0, 10, (64,)), 10).float()
            df = d(g(torch.randn(64, 100), fake_y), fake_y)
            loss_g = bce(df, torch.ones_like(df))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            step += 1
            if step % args.every == 0 or step == args.steps:
                s, lab = samples(1000)
                acc = (clf(s).argmax(1) == lab).float().mean().item()
                print("step %d d_loss %.3f g_loss %.3f cond_acc %.3f" % (step, loss_d.item(), loss_g.item(), acc), flush=True)
            if step == args.steps:
                break
    if args.dump:
        s, _ = samples(1000)
        s.reshape(-1).numpy().astype("float32").tofile(args.dump)
        print("wrote", args.dump, file=sys.stderr)


if __name__ == "__main__":
    main()
