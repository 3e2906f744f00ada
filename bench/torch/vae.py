#!/usr/bin/python3
"""The PyTorch-examples VAE (pytorch/examples, vae/main.py) on MNIST, for
comparison with exp's experiments/vae_mnist.hcl.

Model, loss and optimiser are the example's: 784-400 ReLU encoder with fc21/fc22
heads for mu and logvar (20 each), 20-400 ReLU-784 sigmoid decoder, loss = BCE
summed over pixels and batch + KL, Adam 1e-3, batch 128, training set shuffled
each epoch, losses reported in nats per example (sum over the epoch / N).

One deliberate difference: batches are cut from one in-memory tensor with a
torch.randperm permutation instead of a DataLoader over PIL images, so the time
measured is the model's, not torchvision's per-image transforms (exp, too,
holds MNIST in memory). torch.manual_seed(seed) is set before the model is
built, as in the example.
"""

import argparse
import time

import common


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 leaves torch's default")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--limit", type=int, default=0, help="use only the first N training and test examples (quick tries)")
    p.add_argument("--json", action="store_true", help="stdout: one JSON object at the end; progress to stderr")
    args = p.parse_args()

    import torch
    from torch import nn
    from torch.nn import functional as F

    common.set_threads(args.threads)
    say = common.log if args.json else print
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    x_train, _ = common.load_mnist("train")
    x_test, _ = common.load_mnist("test")
    if args.limit > 0:
        x_train, x_test = x_train[:args.limit], x_test[:args.limit]
    load_s = time.perf_counter() - t0

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 400)
            self.fc21 = nn.Linear(400, 20)
            self.fc22 = nn.Linear(400, 20)
            self.fc3 = nn.Linear(20, 400)
            self.fc4 = nn.Linear(400, 784)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x)
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n_train, n_test, bs = x_train.shape[0], x_test.shape[0], args.batch_size

    epoch_s, test_s, train_loss, test_loss = [], [], [], []
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        total = 0.0
        perm = torch.randperm(n_train)
        for i in range(0, n_train, bs):
            x = x_train[perm[i:i + bs]]
            opt.zero_grad()
            recon, mu, logvar = model(x)
            loss = loss_function(recon, x, mu, logvar)
            loss.backward()
            total += loss.item()
            opt.step()
        epoch_s.append(time.perf_counter() - t0)
        train_loss.append(total / n_train)

        t0 = time.perf_counter()
        model.eval()
        total = 0.0
        with torch.no_grad():
            for i in range(0, n_test, bs):
                x = x_test[i:i + bs]
                recon, mu, logvar = model(x)
                total += loss_function(recon, x, mu, logvar).item()
        test_s.append(time.perf_counter() - t0)
        test_loss.append(total / n_test)
        say("epoch %d  train loss %.4f  test loss %.4f  train %.2f s  test %.2f s"
            % (epoch, train_loss[-1], test_loss[-1], epoch_s[-1], test_s[-1]))

    rss = common.peak_rss_mb()
    say("peak RSS %.0f MiB, MNIST load %.2f s" % (rss, load_s))
    if args.json:
        out = {
            "epoch_seconds": epoch_s,
            "test_seconds": test_s,
            "train_loss": train_loss,
            "test_loss": test_loss,
            "load_seconds": load_s,
            "peak_rss_mb": rss,
            "seed": args.seed,
        }
        out.update(common.thread_info())
        common.emit_json(out)


if __name__ == "__main__":
    main()
