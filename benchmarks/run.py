"""Performance benchmarks of nnref (``make bench``); prints tables and writes RESULTS.md.

Headline: one epoch of an MLP 784-256-256-10 on 20 000 synthetic examples, batch 128,
float32, trained with ``training.fit`` -- as a ratio against the same math written as a
plain NumPy loop (``mlp_epoch.handwritten_epoch``) in the same process (goal: at most
1.05), against scikit-learn's ``MLPClassifier(solver="sgd")``, and against PyTorch on the
CPU when it can be imported (goal: at most 1.0; PyTorch is not a dependency).
Then how the time grows with batch size, width and depth, and which share of it the
matrix products (GEMM) take: that share is the limit no Python-level change can beat.
Last, a conv-layer row (issue 18): one ``Conv2D`` forward + backward on a small batch against
the same layer written by hand with ``sliding_window_view`` (``conv_layer.py``).

Timing: each repeat runs every contender once, nnref and the hand-written loop back to
back (alternating which goes first); a repeat's ratio compares runs made seconds apart,
so the median of those ratios is robust to the load of a shared machine. Minimum times are
reported too. Timings are printed, never asserted (tests check that the paths compute the
same numbers, not how fast).

    python benchmarks/run.py                 # the full run, a few minutes on an idle machine
    python benchmarks/run.py --quick         # smaller, to check that it works
    python benchmarks/run.py --threads 2,1   # headline with 2, then 1 BLAS thread
    python benchmarks/run.py --only conv --output -   # just the conv-layer row, no RESULTS.md
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conv_layer  # noqa: E402
import mlp_epoch as B  # noqa: E402  (after the path set-up above)

HEADLINE_SIZES = [784, 256, 256, 10]
NOTES_MARKER = "<!-- notes on these runs: written by hand, kept by run.py -->"
GRADING_MARKER = "<!-- class grading: written by benchmarks/bench_grading.py -->"


def time_repeats(contenders, repeats):
    """Run every contender ``repeats`` times, in the given order and reversed, alternately.

    Neighbours in ``contenders`` (nnref and the hand-written loop come first) always run
    back to back, each first in half of the repeats. Returns two dicts name -> list of
    seconds: wall-clock time and this process's CPU time.
    """
    names = list(contenders)
    wall = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for r in range(repeats):
        for name in (names if r % 2 == 0 else names[::-1]):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            contenders[name]()
            wall[name].append(time.perf_counter() - wall0)
            cpu[name].append(time.process_time() - cpu0)
    return wall, cpu


def paired_ratio(times, a, b):
    """Median over repeats of time[a] / time[b]."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def headline(n, repeats, threads=None):
    """Time the four (or five) ways of training one epoch; return the timings and facts.

    ``threads`` (None: the libraries' defaults) also limits PyTorch's own thread pool.
    """
    X, y = B.make_data(n, HEADLINE_SIZES[0], HEADLINE_SIZES[-1], np.float32)
    nn_model = B.new_mlp(HEADLINE_SIZES, np.float32)
    hand_model = B.new_mlp(HEADLINE_SIZES, np.float32)
    classes = np.arange(HEADLINE_SIZES[-1])
    contenders = {
        "nnref": lambda: B.nnref_epoch(nn_model, X, y, 128),
        "hand-written NumPy": lambda: B.handwritten_epoch(hand_model, X, y, 128),
    }
    torch_threads = None
    if B.torch_available():
        import torch

        torch_threads = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        net, optimizer = B.torch_mlp(HEADLINE_SIZES)
        contenders["PyTorch"] = lambda: B.torch_epoch(net, optimizer, X, y, 128)
    contenders["GEMM only"] = lambda: B.gemm_only_epoch(nn_model, X, 128)
    contenders["scikit-learn"] = lambda: B.sklearn_epoch(B.sklearn_classifier(HEADLINE_SIZES, 128), X, y, classes)
    for name in ("nnref", "hand-written NumPy", "PyTorch"):  # warm up (first-touch memory, imports)
        if name in contenders:
            contenders[name]()
    try:
        times, cpu_times = time_repeats(contenders, repeats)
    finally:
        if torch_threads is not None:
            torch.set_num_threads(torch_threads)
    dtypes = sorted({str(p.dtype) for p in nn_model.params.values()})
    return times, cpu_times, dtypes, B.epoch_flops(HEADLINE_SIZES, n)


def scaling(n, repeats):
    """Rows (what varies, value, nnref s, ratio to hand-written, GEMM share, GFLOP/s)."""
    configs = ([("batch size", bs, HEADLINE_SIZES, bs) for bs in (32, 64, 128, 256, 512)]
               + [("width", w, [784, w, w, 10], 128) for w in (64, 128, 256, 512, 1024)]
               + [("depth", d, [784] + [256] * d + [10], 128) for d in (1, 2, 3, 4)])
    X, y = B.make_data(n, 784, 10, np.float32)
    rows = []
    for what, value, sizes, batch in configs:
        model, hand_model = B.new_mlp(sizes, np.float32), B.new_mlp(sizes, np.float32)
        times, _ = time_repeats({
            "nnref": lambda model=model, batch=batch: B.nnref_epoch(model, X, y, batch),
            "hand": lambda hand_model=hand_model, batch=batch: B.handwritten_epoch(hand_model, X, y, batch),
            "gemm": lambda model=model, batch=batch: B.gemm_only_epoch(model, X, batch),
        }, repeats)
        best = {k: min(v) for k, v in times.items()}
        rows.append((what, value, "-".join(map(str, sizes)), batch, best["nnref"],
                     paired_ratio(times, "nnref", "hand"), best["gemm"] / best["nnref"],
                     B.epoch_flops(sizes, n) / best["nnref"] / 1e9))
        print(f"  {what:10s} {value:5d}: nnref {best['nnref']:.3f} s, ratio "
              f"{rows[-1][5]:.3f}, GEMM share {rows[-1][6]:.0%}", flush=True)
    return rows


def _torch_version():
    if not B.torch_available():
        return None
    import torch

    return f"{torch.__version__} ({torch.get_num_threads()} threads by default)"


def machine():
    """A few lines describing where the numbers were measured."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
            f"{i.get('num_threads')} threads by default)" for i in threadpool_info() if i.get("user_api") == "blas"]
    import sklearn

    lines = [
        f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}",
        f"CPU: {cpu}; {os.cpu_count()} logical cores; load average at the start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"Python {platform.python_version()}, NumPy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"PyTorch {_torch_version() or 'not installed (the PyTorch comparison is skipped)'}",
        f"BLAS: {'; '.join(blas) or 'unknown'}",
    ]
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        lines.append("**the machine was busy with other work**: times are slower and noisier than on an idle "
                     "machine (multi-threaded BLAS suffers most); ratios of back-to-back runs suffer less")
    return lines


def headline_section(n, repeats, threads):
    """Run the headline comparison; return its markdown lines (also printed)."""
    label = "BLAS default threads" if threads is None else f"{threads} BLAS thread{'s' * (threads > 1)}"
    title = f"One epoch: MLP {'-'.join(map(str, HEADLINE_SIZES))}, float32, {n} examples, batch 128, {label}"
    print(f"\n{title} ({repeats} repeats)", flush=True)
    with threadpool_limits(limits=threads, user_api="blas"):
        times, cpu_times, dtypes, flops = headline(n, repeats, threads)
    best = {k: min(v) for k, v in times.items()}
    md = [f"## {title}", "",
          "| contender | fastest epoch (s) | median epoch (s) | nnref / contender (median of pairs) |",
          "|---|---|---|---|"]
    for name, ts in times.items():
        ratio = "—" if name == "nnref" else f"{paired_ratio(times, 'nnref', name):.3f}"
        md.append(f"| {name} | {best[name]:.3f} | {statistics.median(ts):.3f} | {ratio} |")
    sk_ratio = paired_ratio(times, "nnref", "scikit-learn")
    summary = [
        f"**nnref / hand-written NumPy = {paired_ratio(times, 'nnref', 'hand-written NumPy'):.3f}** (goal <= 1.05)",
        f"**nnref / scikit-learn MLPClassifier(solver='sgd') = {sk_ratio:.3f}** (goal < 1; nnref is "
        f"{1 / sk_ratio:.2f}x as fast)",
        f"GEMM share of the nnref epoch: {best['GEMM only'] / best['nnref']:.0%}; the matrix products alone run at "
        f"{flops / best['GEMM only'] / 1e9:.0f} GFLOP/s, the whole nnref epoch at "
        f"{flops / best['nnref'] / 1e9:.0f} GFLOP/s",
        f"dtype of every parameter after training: {', '.join(dtypes)}",
    ]
    if threads == 1:  # one thread: CPU time counts only this process's own work
        summary.insert(1, f"nnref / hand-written NumPy in CPU time = "
                          f"{paired_ratio(cpu_times, 'nnref', 'hand-written NumPy'):.3f} (single-threaded, so "
                          "this is the measure least disturbed by other processes)")
    if "PyTorch" in times:
        torch_ratio = paired_ratio(times, "nnref", "PyTorch")
        summary.insert(1, f"**nnref / PyTorch (CPU) = {torch_ratio:.3f}** (goal <= 1.0)")
    for name, ts in times.items():
        print(f"  {name:20s} fastest {best[name]:7.3f} s   median {statistics.median(ts):7.3f} s")
    for line in summary:
        print("  " + line.replace("**", ""), flush=True)
    return md + [""] + [f"- {line}" for line in summary] + [""]


def scaling_section(n, repeats, threads):
    """Run the scaling table; return its markdown lines."""
    print(f"\nScaling ({n} examples per epoch, {repeats} repeats)", flush=True)
    with threadpool_limits(limits=threads, user_api="blas"):
        rows = scaling(n, repeats)
    md = [f"## Scaling ({n} examples per epoch, float32, "
          f"{'BLAS default threads' if threads is None else f'{threads} BLAS threads'})", "",
          "Baseline 784-256-256-10, batch 128; one thing varied per block. GEMM share = time of the",
          "matrix products alone / time of the nnref epoch; GFLOP/s = matrix-product flops / nnref epoch time.", "",
          "| varied | value | sizes | batch | nnref epoch (s) | µs per example | nnref / hand-written "
          "| GEMM share | GFLOP/s |",
          "|---|---|---|---|---|---|---|---|---|"]
    for what, value, sizes, batch, seconds, ratio, share, gflops in rows:
        md.append(f"| {what} | {value} | {sizes} | {batch} | {seconds:.3f} | {seconds / n * 1e6:.1f} | "
                  f"{ratio:.3f} | {share:.0%} | {gflops:.0f} |")
    return md


def conv_section(repeats, threads, steps=20):
    """Time nnref's Conv2D forward+backward against the hand-written version; return markdown lines."""
    shape = conv_layer.SHAPE
    label = "BLAS default threads" if threads is None else f"{threads} BLAS thread{'s' * (threads > 1)}"
    title = (f"Conv layer: Conv2D({shape['C_in']}, {shape['C_out']}, {shape['K']}, padding={shape['padding']}) "
             f"forward + backward, batch {shape['N']} of {shape['H']}x{shape['W']}, float32, {label}")
    print(f"\n{title} ({repeats} repeats of {steps} steps)", flush=True)
    X, dY = conv_layer.make_batch(**shape, dtype=np.float32)
    layer, hand = conv_layer.new_layers(shape["C_in"], shape["C_out"], shape["K"], shape["padding"], np.float32)

    def many(step, *args):
        return lambda: [step(*args) for _ in range(steps)]

    contenders = {"nnref Conv2D": many(conv_layer.nnref_step, layer, X, dY),
                  "hand-written sliding_window_view": many(conv_layer.handwritten_step, hand, X, dY)}
    with threadpool_limits(limits=threads, user_api="blas"):
        for run in contenders.values():
            run()  # warm up
        times, _ = time_repeats(contenders, repeats)
    ratio = paired_ratio(times, "nnref Conv2D", "hand-written sliding_window_view")
    md = [f"## {title}", "",
          "| contender | fastest step (ms) | median step (ms) |", "|---|---|---|"]
    for name, ts in times.items():
        md.append(f"| {name} | {min(ts) / steps * 1e3:.2f} | {statistics.median(ts) / steps * 1e3:.2f} |")
        print(f"  {name:34s} fastest {min(ts) / steps * 1e3:7.2f} ms   median "
              f"{statistics.median(ts) / steps * 1e3:7.2f} ms per step", flush=True)
    summary = f"**nnref Conv2D / hand-written NumPy = {ratio:.3f}** (median of back-to-back pairs)"
    print("  " + summary.replace("**", ""), flush=True)
    return md + ["", f"- {summary}", ""]


def parse_threads(text):
    """``"default,1"`` -> ``[None, 1]`` (None: leave BLAS's own thread count)."""
    return [None if t.strip() == "default" else int(t) for t in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000, help="examples in the headline epoch")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the headline comparison")
    parser.add_argument("--scale-examples", type=int, default=5_000, help="examples per epoch in the scaling table")
    parser.add_argument("--threads", type=parse_threads, default=[None, 1],
                        help="BLAS thread counts for the headline, comma-separated; 'default' = BLAS's own "
                             "(default: default,1); the scaling table uses the first")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that everything runs")
    parser.add_argument("--only", choices=["conv"], help="run only this row (conv: the conv-layer row)")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md",
                        help="markdown file to write ('-' to skip)")
    args = parser.parse_args(argv)
    if args.quick:
        args.examples, args.repeats, args.scale_examples = 1_024, 2, 512
    lines_machine = machine()
    print("\n".join(lines_machine), flush=True)
    md = ["# nnref benchmark results", "",
          "Written by `make bench` (`benchmarks/run.py`); rerun it to update. Each repeat runs every",
          "contender once, back to back; ratios are medians over repeats of those pairs (robust to",
          "other load on the machine), times are the fastest and the median repeat.", "",
          "## Machine", ""] + [f"- {line}" for line in lines_machine] + [""]
    if args.only != "conv":
        for threads in args.threads:
            md += headline_section(args.examples, args.repeats, threads)
        md += scaling_section(args.scale_examples, args.repeats, args.threads[0])
    md += conv_section(args.repeats, args.threads[0])
    if str(args.output) != "-":
        # Kept as they are: the notes written by hand on the runs (from NOTES_MARKER on) and
        # the class grading section (benchmarks/bench_grading.py).
        old = args.output.read_text() if args.output.exists() else ""
        kept = next(("\n" + old[old.index(m):] for m in (NOTES_MARKER, GRADING_MARKER) if m in old), "")
        args.output.write_text("\n".join(md) + "\n" + kept)
        print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
