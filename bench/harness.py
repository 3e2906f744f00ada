#!/usr/bin/env python3
"""Runs the whole-model benchmarks in exp and in PyTorch side by side and prints
a markdown table (issue 7). Standard library only; bench/run.sh starts it.

Each workload runs BENCH_REPS times; within a repetition exp runs first, then
PyTorch once per thread setting (the settings' order rotates from one
repetition to the next). Every command is timed as a whole process (wall clock
around the child, peak RSS from GNU `/usr/bin/time -f %M`), so both sides pay
their start-up and data loading. PyTorch's best setting (lowest median) is the
one compared; the table names it. The PyTorch scripts' own in-process timings
(s/epoch, s/iteration, ms/step) and quality figures are printed below it.

Environment:
  BENCH_REPS          repetitions per workload and setting (3)
  BENCH_VAE_EPOCHS    VAE epochs (1)
  BENCH_DCGAN_ITERS   DCGAN timed iterations, after 5 warm-up ones (200)
  BENCH_RING_STEPS    ring GAN steps (5000)
  BENCH_VALIDATE_PAIRS dense+relu pairs per model in the generated file (2000)
  BENCH_WORKLOADS     which workloads, space-separated (vae dcgan ring validate)
  BENCH_SETTINGS      PyTorch thread settings (t1b2 t2b1 t2b2p; the ring adds
                      t1b1); tTbB[p] means
                      torch.set_num_threads(T), OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=B,
                      and with p OMP_WAIT_POLICY=PASSIVE
  BENCH_SETTINGS_VAE, _DCGAN, _RING  the same, for one workload
  BENCH_TIMEOUT       seconds allowed per command (1800)
  BENCH_OUT           keep the raw records (results.json), exp's database and
                      the generated file in this folder instead of a temporary one
  EXP_BIN             exp's binary (./bin/exp)
  BENCH_HCL_DIR       where exp's vae_epoch.hcl, dcgan.hcl, ring.hcl lie (bench/)
  BENCH_BLAS_REF      1 (default): time each workload's largest GEMM shape on the
                      linked BLAS (`go test -bench Gemm ./graph`, 2 threads) for the
                      throughput table; 0 skips it
  TORCH_PYTHON        the interpreter with torch (/usr/bin/python3)
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
TIME = "/usr/bin/time"
DEFAULT_SETTINGS = "t1b2 t2b1 t2b2p"
# The ring's matrices are 512x128: one thread each was PyTorch's best there.
DEFAULT_SETTINGS_RING = "t1b1 " + DEFAULT_SETTINGS
DCGAN_WARMUP = 5


@dataclass(frozen=True)
class Setting:
    name: str
    torch_threads: int
    blas_threads: int
    passive: bool

    def label(self):
        s = "torch %d + BLAS %d" % (self.torch_threads, self.blas_threads)
        return s + ", passive" if self.passive else s

    def env(self, base):
        env = dict(base)
        env["OPENBLAS_NUM_THREADS"] = str(self.blas_threads)
        env["OMP_NUM_THREADS"] = str(self.blas_threads)
        if self.passive:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        else:
            env.pop("OMP_WAIT_POLICY", None)
        return env


def parse_setting(s):
    """'t1b2' -> torch 1, BLAS 2; a trailing 'p' adds OMP_WAIT_POLICY=PASSIVE."""
    body, passive = (s[:-1], True) if s.endswith("p") else (s, False)
    try:
        if not body.startswith("t") or "b" not in body:
            raise ValueError
        t, b = body[1:].split("b", 1)
        t, b = int(t), int(b)
        if t < 1 or b < 1:
            raise ValueError
    except ValueError:
        raise ValueError("bad thread setting %r: want tTbB or tTbBp, e.g. t1b2, t2b2p" % s) from None
    return Setting(s, t, b, passive)


def parse_settings(text):
    out = [parse_setting(s) for s in text.split()]
    if not out:
        raise ValueError("no thread settings given")
    return out


def median(xs):
    s = sorted(xs)
    if not s:
        raise ValueError("median of nothing")
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2.0


@dataclass
class Result:
    """One command's outcome. rss_mb is None when /usr/bin/time said nothing."""
    ok: bool
    seconds: float
    rss_mb: object
    stdout: str
    stderr: str
    rc: int

    def json(self):
        if not self.ok:
            return None
        try:
            return json.loads(self.stdout)
        except ValueError:
            return None

    def why(self):
        tail = self.stderr.strip().splitlines()[-3:]
        return "exit %d: %s" % (self.rc, " | ".join(tail))


def run_measured(cmd, env, cwd, timeout):
    """Runs cmd under /usr/bin/time, timing the whole process."""
    fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    full = [TIME, "-f", "BENCH_RSS_KB %M", "-o", rss_file] + list(cmd)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(full, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = 124, "", "timed out after %d s\n%s" % (timeout, e.stderr or "")
    seconds = time.perf_counter() - t0
    rss = None
    try:
        with open(rss_file) as f:
            for line in f:
                if line.startswith("BENCH_RSS_KB "):
                    rss = int(line.split()[1]) / 1024.0
    finally:
        os.unlink(rss_file)
    return Result(rc == 0, seconds, rss, out, err, rc)


@dataclass
class Workload:
    name: str
    title: str
    torch_cmd: object      # list of args without --threads, or None (exp-only)
    exp_cmd: object        # list of args, or None (no exp side)
    exp_missing: str       # why exp cannot run ("" when it can)
    settings: list = field(default_factory=list)
    seed_per_rep: bool = False  # torch gets --seed rep+1 (quality over seeds)
    internal: object = None     # torch JSON -> (label, value) of its own timing
    quality: object = None      # torch JSON -> short text
    exp_quality: object = None  # exp JSON -> short text


def vae_quality(j):
    return "train %.1f / test %.1f nats after epoch %d" % (j["train_loss"][-1], j["test_loss"][-1], len(j["test_loss"]))


def ring_quality(j):
    return "modes %d/8, HQ %.1f%%, reverse KL %.3f" % (j["modes"], j["hq_percent"], j["reverse_kl"])


def dcgan_quality(j):
    return "last d_loss %.3f, g_loss %.3f" % (j["d_loss_last"], j["g_loss_last"])


def exp_metrics(keys):
    def f(j):
        m = j.get("metrics") or {}
        parts = ["%s %.4g" % (k, m[k]) for k in keys if isinstance(m.get(k), (int, float))]
        return ", ".join(parts) or "status %s" % j.get("status", "?")
    return f


def settings_for(name, env):
    default = DEFAULT_SETTINGS_RING if name == "ring" else DEFAULT_SETTINGS
    return parse_settings(env.get("BENCH_SETTINGS_" + name.upper()) or env.get("BENCH_SETTINGS") or default)


def workloads(env, work):
    """The workloads, with exp's side resolved. work: scratch folder (exp's cwd)."""
    py = env.get("TORCH_PYTHON", "/usr/bin/python3")
    exp = env.get("EXP_BIN") or os.path.join(ROOT, "bin", "exp")
    exp = os.path.abspath(exp)
    have_exp = os.path.isfile(exp) and os.access(exp, os.X_OK)
    db = os.path.join(work, "bench.db")
    epochs = int(env.get("BENCH_VAE_EPOCHS", "1"))
    iters = int(env.get("BENCH_DCGAN_ITERS", "200"))
    steps = int(env.get("BENCH_RING_STEPS", "5000"))
    pairs = int(env.get("BENCH_VALIDATE_PAIRS", "2000"))
    torch_dir = os.path.join(BENCH, "torch")

    def exp_side(hcl, args):
        if not have_exp:
            shown = os.path.relpath(exp, ROOT) if exp.startswith(ROOT + os.sep) else exp
            return None, "%s not built" % shown
        if hcl is not None and not os.path.isfile(hcl):
            return None, "no %s" % hcl
        return [exp] + args, ""

    # ---- exp commands: EXP-SIDE PLACEHOLDERS for the lead -------------------
    # These .hcl files are the lead's to write (bench/vae_epoch.hcl,
    # bench/dcgan.hcl, bench/ring.hcl). They must describe the same models as
    # bench/torch/*.py, evaluate only what the PyTorch side evaluates (VAE: the
    # test ELBO once per epoch; ring: modes/hq over 2,500 samples; DCGAN:
    # nothing), and sample/checkpoint never, or the comparison is unfair.
    # DCGAN: PyTorch runs 5 warm-up + N timed iterations, so exp gets N + 5 steps.
    # exp runs with its cwd in the scratch folder so ./runs/ lands there.
    hcl_dir = os.path.abspath(env.get("BENCH_HCL_DIR") or BENCH)
    vae_hcl = os.path.join(hcl_dir, "vae_epoch.hcl")
    dcgan_hcl = os.path.join(hcl_dir, "dcgan.hcl")
    ring_hcl = os.path.join(hcl_dir, "ring.hcl")
    large_hcl = os.path.join(work, "large.hcl")
    vae_exp = exp_side(vae_hcl, ["run", vae_hcl, "--epochs", str(epochs), "--json", "--db", db])
    dcgan_exp = exp_side(dcgan_hcl, ["run", dcgan_hcl, "--max-steps", str(iters + DCGAN_WARMUP), "--json", "--db", db])
    ring_exp = exp_side(ring_hcl, ["run", ring_hcl, "--max-steps", str(steps), "--json", "--db", db])
    validate_exp = exp_side(None, ["validate", large_hcl])
    # ---- end of exp-side placeholders ---------------------------------------

    all_w = {
        "vae": Workload(
            "vae", "VAE MNIST, %d epoch%s" % (epochs, "" if epochs == 1 else "s"),
            [py, os.path.join(torch_dir, "vae.py"), "--epochs", str(epochs), "--json"],
            vae_exp[0], vae_exp[1], settings_for("vae", env),
            internal=lambda j: ("s/epoch (train)", median(j["epoch_seconds"])),
            quality=vae_quality,
            exp_quality=exp_metrics(["test/neg_elbo"])),
        "dcgan": Workload(
            "dcgan", "DCGAN MNIST, %d+%d iterations" % (DCGAN_WARMUP, iters),
            [py, os.path.join(torch_dir, "dcgan.py"), "--iters", str(iters), "--warmup", str(DCGAN_WARMUP), "--json"],
            dcgan_exp[0], dcgan_exp[1], settings_for("dcgan", env),
            internal=lambda j: ("median s/iteration", j["median_iter_seconds"]),
            quality=dcgan_quality,
            exp_quality=exp_metrics(["train/d_loss", "train/g_loss"])),
        "ring": Workload(
            "ring", "GAN ring of 8, %d steps" % steps,
            [py, os.path.join(torch_dir, "ring.py"), "--steps", str(steps), "--json"],
            ring_exp[0], ring_exp[1], settings_for("ring", env), seed_per_rep=True,
            internal=lambda j: ("ms/step", j["ms_per_step"]),
            quality=ring_quality,
            exp_quality=exp_metrics(["eval/modes", "eval/hq", "eval/reverse_kl"])),
        "validate": Workload(
            "validate", "exp validate, generated file (%d layer blocks)" % (4 * pairs + 3),
            None, validate_exp[0], validate_exp[1]),
    }
    names = (env.get("BENCH_WORKLOADS") or "vae dcgan ring validate").split()
    unknown = [n for n in names if n not in all_w]
    if unknown:
        raise ValueError("unknown workload(s) %s: choose from %s" % (", ".join(unknown), " ".join(all_w)))
    return [all_w[n] for n in names], pairs, large_hcl


def bench(ws, reps, env, work, runner, say, timeout):
    """Runs every workload; returns {workload: {"exp": [Result], setting: [(seed, Result)]}}."""
    out = {}
    for w in ws:
        rec = {"exp": []}
        for s in w.settings if w.torch_cmd else []:
            rec[s.name] = []
        order = list(w.settings) if w.torch_cmd else []
        for rep in range(reps):
            if w.exp_cmd:
                r = runner(w.exp_cmd, dict(env), work, timeout)
                say("%s rep %d exp: %.2f s%s" % (w.name, rep + 1, r.seconds, "" if r.ok else " FAILED " + r.why()))
                rec["exp"].append(r)
            k = rep % len(order) if order else 0
            for s in order[k:] + order[:k]:
                seed = rep + 1 if w.seed_per_rep else 1
                cmd = list(w.torch_cmd) + ["--threads", str(s.torch_threads), "--seed", str(seed)]
                r = runner(cmd, s.env(env), ROOT, timeout)
                say("%s rep %d torch %s: %.2f s%s" % (w.name, rep + 1, s.name, r.seconds, "" if r.ok else " FAILED " + r.why()))
                rec[s.name].append((seed, r))
        out[w.name] = rec
    return out


def safe(f, j):
    """f(j), or None when the JSON lacks what f reads (a script out of step)."""
    if f is None or j is None:
        return None
    try:
        return f(j)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def fmt_s(x):
    return "n/a" if x is None else ("%.2f s" % x if x < 100 else "%.0f s" % x)


def fmt_mb(x):
    return "n/a" if x is None else "%.0f MiB" % x


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else "%.2f×" % (a / b)


def summarize(results):
    """(median seconds, median peak RSS, failure text) over successful runs."""
    ok = [r for r in results if r.ok]
    if not results:
        return None, None, ""
    if not ok:
        return None, None, "failed (%s)" % results[-1].why()
    rss = [r.rss_mb for r in ok if r.rss_mb is not None]
    return median([r.seconds for r in ok]), (median(rss) if rss else None), ""


def best_setting(w, rec):
    """The setting with the lowest median wall time, or None if all failed."""
    best = None
    for s in w.settings:
        t, rss, _ = summarize([r for _, r in rec.get(s.name, [])])
        if t is not None and (best is None or t < best[1]):
            best = (s, t, rss)
    return best


def report(ws, results, reps, pairs):
    lines = []
    w_ = lines.append
    w_("| workload | exp median | PyTorch best median (setting) | ratio | exp peak RSS | torch peak RSS | RSS ratio |")
    w_("|---|---|---|---|---|---|---|")
    notes = []
    for w in ws:
        rec = results[w.name]
        et, erss, efail = summarize(rec["exp"])
        if w.exp_cmd is None:
            ecell, ercell = "n/a", "n/a"
            notes.append("%s: exp skipped (%s)" % (w.name, w.exp_missing))
        elif efail:
            ecell, ercell = "fail", "n/a"
            notes.append("%s: exp %s" % (w.name, efail))
        else:
            ecell, ercell = fmt_s(et), fmt_mb(erss)
        if w.torch_cmd is None:
            w_("| %s | %s | — (exp only) | — | %s | — | — |" % (w.title, ecell, ercell))
            continue
        best = best_setting(w, rec)
        if best is None:
            fails = [r for s in w.settings for _, r in rec[s.name] if not r.ok]
            notes.append("%s: every PyTorch run failed (%s)" % (w.name, fails[-1].why() if fails else "?"))
            w_("| %s | %s | fail | n/a | %s | n/a | n/a |" % (w.title, ecell, ercell))
            continue
        s, tt, trss = best
        w_("| %s | %s | %s (%s) | %s | %s | %s | %s |" % (
            w.title, ecell, fmt_s(tt), s.label(), fmt_ratio(et, tt), ercell, fmt_mb(trss), fmt_ratio(erss, trss)))
    lines.append("")
    lines.append("Whole-process wall time (start-up and data loading included), median of %d; "
                 "ratio = exp / PyTorch (above 1: exp slower). Peak RSS from /usr/bin/time %%M." % reps)
    for n in notes:
        lines.append("- " + n)

    detail = [w for w in ws if w.torch_cmd is not None]
    if detail:
        lines.append("")
        lines.append("PyTorch by thread setting (process wall median; the script's own timing, median over runs):")
        lines.append("")
        lines.append("| workload | setting | wall median | wall min | own timing | peak RSS | runs ok |")
        lines.append("|---|---|---|---|---|---|---|")
        for w in detail:
            rec = results[w.name]
            for s in w.settings:
                runs = [r for _, r in rec[s.name]]
                t, rss, _ = summarize(runs)
                own = [v for v in (safe(w.internal, r.json()) for r in runs if r.ok) if v is not None]
                owncell = "%s %.4g" % (own[0][0], median([v for _, v in own])) if own else "n/a"
                oks = [r.seconds for r in runs if r.ok]
                lines.append("| %s | %s | %s | %s | %s | %s | %d/%d |" % (
                    w.name, s.label(), fmt_s(t), fmt_s(min(oks) if oks else None), owncell, fmt_mb(rss),
                    len(oks), len(runs)))

        lines.append("")
        lines.append("Quality figures (PyTorch: best setting's runs; exp: its JSON metrics):")
        lines.append("")
        lines.append("| workload | side | seed | figures |")
        lines.append("|---|---|---|---|")
        for w in detail:
            rec = results[w.name]
            best = best_setting(w, rec)
            if best is not None:
                for seed, r in rec[best[0].name]:
                    if r.ok:
                        q = safe(w.quality, r.json())
                        lines.append("| %s | PyTorch | %d | %s |" % (w.name, seed, q or "no figures in its JSON"))
            for r in rec["exp"]:
                j = r.json()
                q = safe(w.exp_quality, j)
                if q is not None:
                    lines.append("| %s | exp | %s | %s |" % (w.name, j.get("seed", "?"), q))
    return "\n".join(lines) + "\n"


# The largest GEMM shape of each workload, as graph's BenchmarkGemm names it:
# the BLAS's own speed there is the yardstick of exp's whole-step throughput.
LARGEST_GEMM = {
    "vae": "vae_fwd_128x400x784",
    "dcgan": "dcgan_conv_fwd_128x3136x1024",
    "ring": "ring_fwd_512x128x128",
}


def blas_reference(names, env, say):
    """{workload: GFLOP/s of the linked BLAS on its largest GEMM shape, 2 threads}."""
    shapes = [LARGEST_GEMM[n] for n in names if n in LARGEST_GEMM]
    if not shapes or env.get("BENCH_BLAS_REF", "1") == "0" or not shutil.which("go"):
        return {}
    pattern = "BenchmarkGemm/(%s)/threads=2$" % "|".join(shapes)
    cmd = ["go", "test", "-tags", "openblas", "-run", "^$", "-bench", pattern, "-benchtime", "2s", "./graph"]
    say("BLAS reference: " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        say("BLAS reference failed: %s" % e)
        return {}
    return parse_gemm_bench(p.stdout)


def parse_gemm_bench(text):
    """{workload: GFLOP/s} from BenchmarkGemm's output lines at 2 threads."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"BenchmarkGemm/(\S+)/threads=2\S*\s.*?([0-9.]+) GFLOP/s", line)
        if m:
            for n, shape in LARGEST_GEMM.items():
                if shape == m.group(1):
                    out[n] = float(m.group(2))
    return out


def throughput(ws, results, blas_fn):
    """The whole-step throughput table, from exp's JSON "compute"; blas_fn(names)
    gives the BLAS's GFLOP/s per workload and runs only when there is a row."""
    found = []
    for w in ws:
        comp = [safe(lambda j: j["compute"], r.json()) for r in results[w.name]["exp"] if r.ok]
        comp = [c for c in comp if c]
        if comp:
            found.append((w, comp))
    if not found:
        return ""
    blas = blas_fn([w.name for w, _ in found])
    rows = []
    for w, comp in found:
        rate = median([c["gemm_gflop_per_second"] for c in comp])
        per_step = comp[0]["gemm_gflop"] / max(comp[0]["steps"], 1)
        ref = blas.get(w.name)
        rows.append("| %s | %.3f | %.1f | %s | %s |" % (
            w.name, per_step, rate, "n/a" if ref is None else "%.1f (%s)" % (ref, LARGEST_GEMM[w.name]),
            "n/a" if ref is None else "%.0f%%" % (100 * rate / ref)))
    head = ["", "exp's whole-step throughput: GEMM GFLOP per training step, and GEMM GFLOP per second of its "
            "training loop's wall time (evaluation and checkpoints included; median over runs), against the "
            "linked BLAS on the workload's largest GEMM shape, split over 2 threads as exp splits it:", "",
            "| workload | GEMM GFLOP/step | exp GFLOP/s | BLAS GFLOP/s (shape) | exp / BLAS |",
            "|---|---|---|---|---|"]
    return "\n".join(head + rows) + "\n"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def records(results):
    out = {}
    for name, rec in results.items():
        out[name] = {k: [{"seed": s, "seconds": r.seconds, "rss_mb": r.rss_mb, "rc": r.rc, "json": r.json()}
                         for s, r in ([(None, x) for x in v] if k == "exp" else v)]
                     for k, v in rec.items()}
    return out


def main(argv=None, env=None, runner=run_measured, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    env = dict(os.environ if env is None else env)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__, file=out)
        return 0
    if not os.access(TIME, os.X_OK) and runner is run_measured:
        print("harness: %s missing: run bench/torch/install.sh" % TIME, file=err)
        return 2
    try:
        reps = int(env.get("BENCH_REPS", "3"))
    except ValueError:
        reps = 0
    if reps < 1:
        print("harness: BENCH_REPS must be an integer >= 1", file=err)
        return 2
    keep = env.get("BENCH_OUT")
    work = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="exp-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        try:
            ws, pairs, large_hcl = workloads(env, work)
        except ValueError as e:
            print("harness: %s" % e, file=err)
            return 2
        if any(w.name == "validate" and w.exp_cmd for w in ws):
            sys.path.insert(0, BENCH)
            import gen_large_hcl
            with open(large_hcl, "w") as f:
                f.write(gen_large_hcl.generate(pairs, 32))

        def say(msg):
            print("bench: " + msg, file=err, flush=True)

        timeout = int(env.get("BENCH_TIMEOUT", "1800"))
        load0 = loadavg()
        results = bench(ws, reps, env, work, runner, say, timeout)
        out.write(report(ws, results, reps, pairs))
        out.write(throughput(ws, results, lambda names: blas_reference(names, env, say)))
        out.write("\nLoad average (1 min) before: %s, after: %s; %d CPUs. Anything above 0 is other "
                  "work competing with the benchmark.\n" % (load0, loadavg(), os.cpu_count() or 0))
        if keep:
            with open(os.path.join(work, "results.json"), "w") as f:
                json.dump(records(results), f, indent=1, sort_keys=True)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
