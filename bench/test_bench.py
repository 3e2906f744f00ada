"""Tests for the benchmark harness and the PyTorch scripts' pure parts.

Run from the repository root (a few seconds; the smoke tests of the torch
scripts are skipped where /usr/bin/python3 has no torch):

    /usr/bin/python3 -m unittest discover -s bench -p 'test_*.py' -v
"""

import gzip
import io
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
sys.path.insert(0, os.path.join(BENCH, "torch"))

import common  # noqa: E402  bench/torch/common.py
import gen_large_hcl  # noqa: E402
import harness  # noqa: E402
import ring  # noqa: E402  bench/torch/ring.py (torch is imported only in main)

TORCH_PYTHON = "/usr/bin/python3"


def have_torch():
    try:
        return subprocess.run([TORCH_PYTHON, "-c", "import torch"], capture_output=True).returncode == 0
    except OSError:
        return False


class SettingTest(unittest.TestCase):
    def test_parse(self):
        s = harness.parse_setting("t1b2")
        self.assertEqual((s.torch_threads, s.blas_threads, s.passive), (1, 2, False))
        s = harness.parse_setting("t2b2p")
        self.assertEqual((s.torch_threads, s.blas_threads, s.passive), (2, 2, True))
        self.assertEqual(s.label(), "torch 2 + BLAS 2, passive")

    def test_parse_rejects(self):
        for bad in ["", "x", "t1", "b2", "t0b1", "t1b0", "tb2", "t1b", "t1b2q", "1b2"]:
            with self.assertRaises(ValueError, msg=bad):
                harness.parse_setting(bad)

    def test_env(self):
        base = {"OMP_WAIT_POLICY": "ACTIVE", "KEEP": "1"}
        e = harness.parse_setting("t2b1").env(base)
        self.assertEqual(e["OPENBLAS_NUM_THREADS"], "1")
        self.assertEqual(e["OMP_NUM_THREADS"], "1")
        self.assertNotIn("OMP_WAIT_POLICY", e)
        self.assertEqual(e["KEEP"], "1")
        self.assertEqual(base["OMP_WAIT_POLICY"], "ACTIVE", "env must not change its argument")
        e = harness.parse_setting("t2b2p").env(base)
        self.assertEqual(e["OMP_WAIT_POLICY"], "PASSIVE")

    def test_median(self):
        self.assertEqual(harness.median([3, 1, 2]), 2)
        self.assertEqual(harness.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(common.median([5.0]), 5.0)
        with self.assertRaises(ValueError):
            harness.median([])


class ModeMetricsTest(unittest.TestCase):
    def test_hand_computed(self):
        c = ring.mode_centres()
        self.assertEqual(len(c), 8)
        for x, y in c:
            self.assertAlmostEqual(math.hypot(x, y), 2.0)
        std = 0.02
        samples = [
            (c[0][0] + 0.05, c[0][1]),   # 2.5 std from mode 0: HQ
            (c[0][0], c[0][1] - 0.059),  # just inside 3 std: HQ
            (c[1][0] + 0.07, c[1][1]),   # 3.5 std from mode 1: not HQ, mode 1 not covered
            (c[2][0], c[2][1]),          # on mode 2: HQ
            (0.0, 0.0),                  # centre of the ring: nearest mode 0, far
        ]
        covered, hq, kl = ring.mode_metrics(samples, c, std)
        self.assertEqual(covered, 2)
        self.assertAlmostEqual(hq, 3 / 5)
        # nearest-mode shares: mode 0: 3/5 (two HQ + the centre, ties go to the
        # first mode), mode 1: 1/5, mode 2: 1/5
        want = sum(p * math.log(p * 8) for p in (3 / 5, 1 / 5, 1 / 5))
        self.assertAlmostEqual(kl, want)

    def test_extremes(self):
        c = ring.mode_centres()
        covered, hq, kl = ring.mode_metrics(c, c, 0.02)
        self.assertEqual((covered, hq), (8, 1.0))
        self.assertAlmostEqual(kl, 0.0)
        covered, hq, kl = ring.mode_metrics([c[3]] * 10, c, 0.02)
        self.assertEqual((covered, hq), (1, 1.0))
        self.assertAlmostEqual(kl, math.log(8))
        with self.assertRaises(ValueError):
            ring.mode_metrics([], c, 0.02)


def write_idx(path, dims, payload, kind=0x08):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, kind, len(dims)))
        f.write(struct.pack(">" + "I" * len(dims), *dims))
        f.write(payload)


class IdxTest(unittest.TestCase):
    def test_round_trip_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.gz")
            write_idx(p, (2, 3, 1), bytes(range(6)))
            dims, data = common.read_idx(p)
            self.assertEqual(dims, (2, 3, 1))
            self.assertEqual(data, bytes(range(6)))
            write_idx(p, (2, 3), bytes(range(5)))
            with self.assertRaisesRegex(ValueError, "header says 6 bytes"):
                common.read_idx(p)
            write_idx(p, (2,), bytes(8), kind=0x0D)
            with self.assertRaisesRegex(ValueError, "not an unsigned-byte"):
                common.read_idx(p)

    def test_mnist_dir_env(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "data"))
            open(os.path.join(d, "data", common.MNIST_FILES["train"][0]), "wb").close()
            old = os.environ.get("EXP_MNIST_DIR")
            os.environ["EXP_MNIST_DIR"] = d
            try:
                self.assertEqual(common.mnist_dir(), os.path.join(d, "data"))
                os.environ["EXP_MNIST_DIR"] = os.path.join(d, "data")
                self.assertEqual(common.mnist_dir(), os.path.join(d, "data"))
            finally:
                if old is None:
                    del os.environ["EXP_MNIST_DIR"]
                else:
                    os.environ["EXP_MNIST_DIR"] = old


class LargeHCLTest(unittest.TestCase):
    def test_shape(self):
        text = gen_large_hcl.generate(7, 16)
        self.assertEqual(len(re.findall(r'^\s*layer "', text, re.M)), 4 * 7 + 3)
        self.assertEqual(text.count("{"), text.count("}"))
        for line in text.splitlines():
            # DESIGN: a one-line block holds at most one attribute
            if "{" in line and "}" in line:
                self.assertLessEqual(line.count("="), 1, line)
        self.assertIn("input = layer.a6", text)
        self.assertIn("default = 16", text)


def fake_result(seconds, rss=100.0, ok=True, payload=None):
    return harness.Result(ok, seconds, rss, json.dumps(payload or {}), "" if ok else "boom", 0 if ok else 1)


class HarnessTest(unittest.TestCase):
    def env(self, **kw):
        e = {"BENCH_REPS": "3", "EXP_BIN": "/nonexistent/exp", "BENCH_SETTINGS": "t1b2 t2b1"}
        e.update(kw)
        return e

    def test_exp_missing_prints_na(self):
        calls = []

        def runner(cmd, env, cwd, timeout):
            calls.append((cmd, env))
            t = 2.0 if env["OPENBLAS_NUM_THREADS"] == "2" else 3.0
            return fake_result(t, payload={"modes": 8, "hq_percent": 50.0, "reverse_kl": 0.1, "ms_per_step": 1.0})

        out = io.StringIO()
        rc = harness.main([], env=self.env(BENCH_WORKLOADS="ring validate"), runner=runner, out=out, err=io.StringIO())
        self.assertEqual(rc, 0)
        text = out.getvalue()
        self.assertIn("| GAN ring of 8, 5000 steps | n/a | 2.00 s (torch 1 + BLAS 2) | n/a | n/a | 100 MiB | n/a |", text)
        self.assertIn("| exp validate, generated file (8003 layer blocks) | n/a | — (exp only) |", text)
        self.assertIn("exp skipped (/nonexistent/exp not built)", text)
        self.assertEqual(len(calls), 6, "3 reps x 2 settings, no exp")
        seeds = sorted(c[0][c[0].index("--seed") + 1] for c in calls)
        self.assertEqual(seeds, ["1", "1", "2", "2", "3", "3"])

    def test_exp_present_ratio_and_failures(self):
        with tempfile.TemporaryDirectory() as d:
            exp = os.path.join(d, "exp")
            with open(exp, "w") as f:
                f.write("#!/bin/sh\n")
            os.chmod(exp, 0o755)
            open(os.path.join(d, "vae_epoch.hcl"), "w").close()
            seen = []

            def runner(cmd, env, cwd, timeout):
                seen.append(cmd)
                if cmd[0] == exp:
                    return fake_result(8.0, rss=50.0, payload={"seed": 1, "metrics": {"test/neg_elbo": 127.5}})
                if env["OPENBLAS_NUM_THREADS"] == "1":
                    return fake_result(1.0, ok=False)
                return fake_result(4.0, rss=200.0, payload={
                    "epoch_seconds": [3.0], "train_loss": [164.3], "test_loss": [126.9]})

            out = io.StringIO()
            env = self.env(EXP_BIN=exp, BENCH_HCL_DIR=d, BENCH_WORKLOADS="vae dcgan")
            self.assertEqual(harness.main([], env=env, runner=runner, out=out, err=io.StringIO()), 0)
            text = out.getvalue()
            self.assertIn("| VAE MNIST, 1 epoch | 8.00 s | 4.00 s (torch 1 + BLAS 2) | 2.00× | 50 MiB | 200 MiB | 0.25× |", text)
            self.assertIn("| vae | torch 2 + BLAS 1 | n/a | n/a | n/a | n/a | 0/3 |", text)
            self.assertIn("| vae | PyTorch | 1 | train 164.3 / test 126.9 nats after epoch 1 |", text)
            self.assertIn("| vae | exp | 1 | test/neg_elbo 127.5 |", text)
            self.assertIn("dcgan: exp skipped (no %s)" % os.path.join(d, "dcgan.hcl"), text)
            exp_cmds = [c for c in seen if c[0] == exp]
            self.assertEqual(len(exp_cmds), 3)
            self.assertEqual(exp_cmds[0][1:5], ["run", os.path.join(d, "vae_epoch.hcl"), "--epochs", "1"])

    def test_exp_failure(self):
        with tempfile.TemporaryDirectory() as d:
            exp = os.path.join(d, "exp")
            with open(exp, "w") as f:
                f.write("#!/bin/sh\n")
            os.chmod(exp, 0o755)

            def runner(cmd, env, cwd, timeout):
                return fake_result(1.0, ok=False)

            out = io.StringIO()
            env = self.env(EXP_BIN=exp, BENCH_REPS="1", BENCH_WORKLOADS="validate")
            self.assertEqual(harness.main([], env=env, runner=runner, out=out, err=io.StringIO()), 0)
            self.assertIn("| exp validate, generated file (8003 layer blocks) | fail |", out.getvalue())
            self.assertIn("- validate: exp failed (exit 1: boom)", out.getvalue())

    def test_bad_settings(self):
        err = io.StringIO()
        rc = harness.main([], env=self.env(BENCH_SETTINGS="t1x2"), runner=lambda *a: None, out=io.StringIO(), err=err)
        self.assertEqual(rc, 2)
        self.assertIn("bad thread setting", err.getvalue())

    @unittest.skipUnless(os.access("/usr/bin/time", os.X_OK), "GNU time missing")
    def test_run_measured(self):
        r = harness.run_measured([sys.executable, "-c", "print('{\"a\": 1}')"], dict(os.environ), BENCH, 60)
        self.assertTrue(r.ok)
        self.assertEqual(r.json(), {"a": 1})
        self.assertIsNotNone(r.rss_mb)
        self.assertGreater(r.rss_mb, 1)
        r = harness.run_measured([sys.executable, "-c", "import sys; sys.exit(3)"], dict(os.environ), BENCH, 60)
        self.assertFalse(r.ok)
        self.assertEqual(r.rc, 3)
        self.assertIsNone(r.json())

    @unittest.skipUnless(os.access("/usr/bin/time", os.X_OK), "GNU time missing")
    def test_validate_end_to_end_with_fake_exp(self):
        with tempfile.TemporaryDirectory() as d:
            exp = os.path.join(d, "exp")
            with open(exp, "w") as f:
                # a stand-in that checks it was given the generated file
                f.write('#!/bin/sh\n[ "$1" = validate ] && grep -q bench_validate_large "$2"\n')
            os.chmod(exp, 0o755)
            out = io.StringIO()
            env = dict(os.environ, EXP_BIN=exp, BENCH_REPS="1", BENCH_WORKLOADS="validate", BENCH_VALIDATE_PAIRS="10")
            self.assertEqual(harness.main([], env=env, out=out, err=io.StringIO()), 0)
            row = [l for l in out.getvalue().splitlines() if l.startswith("| exp validate")][0]
            self.assertRegex(row, r"^\| exp validate, generated file \(43 layer blocks\) \| \d+\.\d\d s \| — \(exp only\)")


@unittest.skipUnless(have_torch(), "no torch under /usr/bin/python3 (run bench/torch/install.sh)")
class TorchSmokeTest(unittest.TestCase):
    def run_json(self, *args):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        p = subprocess.run([TORCH_PYTHON] + list(args) + ["--threads", "1", "--json"],
                           capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_vae(self):
        j = self.run_json(os.path.join(BENCH, "torch", "vae.py"), "--epochs", "2", "--limit", "512")
        self.assertEqual(len(j["epoch_seconds"]), 2)
        # 784 Bernoulli pixels start near 784*log 2 = 543 nats; Adam must lower it
        self.assertLess(j["train_loss"][0], 543.4)
        self.assertLess(j["train_loss"][1], j["train_loss"][0])
        self.assertTrue(all(math.isfinite(v) and v > 0 for v in j["test_loss"]))
        self.assertGreater(j["peak_rss_mb"], 10)
        self.assertEqual(j["torch_threads"], 1)

    def test_dcgan(self):
        j = self.run_json(os.path.join(BENCH, "torch", "dcgan.py"), "--iters", "2", "--warmup", "1")
        self.assertEqual((j["iters"], j["warmup"]), (2, 1))
        self.assertGreater(j["median_iter_seconds"], 0)
        self.assertTrue(math.isfinite(j["d_loss_last"]) and math.isfinite(j["g_loss_last"]))

    def test_ring(self):
        j = self.run_json(os.path.join(BENCH, "torch", "ring.py"), "--steps", "20", "--eval-samples", "200")
        self.assertEqual(j["steps"], 20)
        self.assertTrue(0 <= j["modes"] <= 8)
        self.assertTrue(0 <= j["hq_percent"] <= 100)


if __name__ == "__main__":
    unittest.main()


class ThroughputTest(unittest.TestCase):
    def test_rows_from_compute(self):
        def result(rate):
            j = {"status": "completed", "compute": {"steps": 100, "seconds": 2.0, "gemm_gflop": 50.0,
                                                    "gemm_gflop_per_second": rate}}
            return harness.Result(ok=True, seconds=2.5, rss_mb=10, stdout=json.dumps(j), stderr="", rc=0)
        ws = [harness.Workload("dcgan", "DCGAN", None, ["exp"], "")]
        results = {"dcgan": {"exp": [result(20.0), result(30.0), result(25.0)]}}
        asked = []

        def blas(names):
            asked.append(names)
            return {"dcgan": 100.0}
        text = harness.throughput(ws, results, blas)
        self.assertEqual(asked, [["dcgan"]])
        # 50 GFLOP over 100 steps; median rate 25 of the BLAS's 100.
        self.assertIn("| dcgan | 0.500 | 25.0 | 100.0 (dcgan_conv_fwd_128x3136x1024) | 25% |", text)

    def test_no_compute_no_blas_run(self):
        r = harness.Result(ok=True, seconds=1, rss_mb=1, stdout="{\"status\": \"completed\"}", stderr="", rc=0)
        ws = [harness.Workload("ring", "ring", None, ["exp"], "")]
        text = harness.throughput(ws, {"ring": {"exp": [r]}}, lambda names: self.fail("BLAS run without rows"))
        self.assertEqual(text, "")

    def test_parse_gemm_bench(self):
        text = ("goos: linux\n"
                "BenchmarkGemm/dcgan_conv_fwd_128x3136x1024/threads=2-2  \t 100\t 13800000 ns/op\t 119.7 GFLOP/s\t 61.2 GFLOP/cpu-s\n"
                "BenchmarkGemm/ring_fwd_512x128x128/threads=1-2  \t 100\t 160000 ns/op\t 99.0 GFLOP/s\t 98.0 GFLOP/cpu-s\n")
        # The 2-thread line only; GFLOP/cpu-s is not mistaken for GFLOP/s.
        self.assertEqual(harness.parse_gemm_bench(text), {"dcgan": 119.7})
