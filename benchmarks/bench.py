"""linearcli's speed, measured side by side against a baseline, as ratios of medians.

    pip install -e '.[bench]'
    python benchmarks/bench.py [--runs 7]

Machines are noisy, so nothing here is a timed test: each pair runs interleaved
(A, B, A, B, ...) and their medians are compared. The Markdown table it prints at the
end is what docs/benchmarks.md records.
"""

from __future__ import annotations

import argparse
import compileall
import functools
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import zoo

ROOT = Path(__file__).resolve().parent.parent
IMPORT_TORCH = [sys.executable, "-c", "import torch"]
EXAMPLES = ("mlp.yaml", "cnn.yaml", "transformer.yaml", "lazy_head.yaml")


def linearcli(*args: str) -> list[str]:
    return [sys.executable, "-m", "linearcli", *args]


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - started


def timed(function: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    return run


def interleaved(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[float, float]:
    a(), b()  # warm the caches; not counted
    pairs = [(a(), b()) for _ in range(runs)]
    return statistics.median(x for x, _ in pairs), statistics.median(y for _, y in pairs)


def time_and_peak(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run, from GNU time."""
    started = time.perf_counter()
    probe = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(probe.stderr.strip().splitlines()[-1]) / 1024


def deep_mlp(directory: Path, linears: int) -> Path:
    lines = ["input: {shape: [64]}", "model:"]
    for i in range(linears):
        lines.append(f"  fc{i}: {{Linear: [64, 64]}}")
        lines.append(f"  act{i}: ReLU")
    path = directory / f"mlp_{linears}.yaml"
    path.write_text("\n".join(lines[:-1]) + "\n")
    return path


BASE_REV = "e8d42a9"  # main before the hardening of `check` (issue 16): the baseline


def check_many_vs_base(table: Table, runs: int, base_rev: str, count: int = 500) -> None:
    """`check` over ``count`` YAML specs, this checkout against ``base_rev``'s, in turn."""
    with tempfile.TemporaryDirectory() as scratch:
        base, specs = Path(scratch, "base"), Path(scratch, "specs")
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), base_rev],
            check=True,
            capture_output=True,
        )
        try:
            compileall.compile_dir(base / "linearcli", quiet=1)
            specs.mkdir()
            for i in range(count):
                example = ROOT / "specs" / EXAMPLES[i % len(EXAMPLES)]
                shutil.copy(example, specs / f"spec_{i}.yaml")
            env = {**os.environ, "PYTHONPATH": str(base)}

            def baseline() -> float:
                started = time.perf_counter()
                command = [sys.executable, "-m", "linearcli", "check", str(specs)]
                subprocess.run(command, cwd=ROOT, capture_output=True, env=env, check=False)
                return time.perf_counter() - started

            ours, theirs = interleaved(lambda: wall(linearcli("check", str(specs))), baseline, runs)
            table.ratio(f"`check` of {count} specs vs the same at {base_rev}", ours, theirs, 1.3)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                check=False,
                capture_output=True,
            )


def models_vs_torchinfo(table: Table, runs: int) -> None:
    """`inspect_model` against `torchinfo.summary` on the same model and input, in one
    process, interleaved, for every model of zoo.py; then their median ratio."""
    ratios = []
    for name, build in zoo.MODELS.items():
        inputs, ours, theirs = _versus_torchinfo(build, runs)
        ratios.append(ours / theirs)
        limit = 1.0 if name == "bert_base" else None
        label = f"{name} {zoo.shapes(inputs)}: `inspect_model` vs `torchinfo.summary`"
        if limit is None:
            table.add(label, f"{ours:.2f} s vs {theirs:.2f} s", f"{ours / theirs:.2f}x", "")
        else:
            table.ratio(label, ours, theirs, limit)
        gc.collect()
    median = statistics.median(ratios)
    met = "met" if median <= 0.8 else f"missed by {median / 0.8 - 1:.0%}"
    table.add(f"median over {len(ratios)} models", "", f"{median:.2f}x", f"<= 0.8x: {met}")


def _versus_torchinfo(
    build: Callable[[], zoo.Built], runs: int
) -> tuple[tuple[object, ...], float, float]:
    import torchinfo

    from linearcli import inspect_model

    model, inputs = build()
    ours, theirs = interleaved(
        timed(lambda: inspect_model(model, *inputs)),
        timed(lambda: torchinfo.summary(model, input_data=inputs, verbose=0)),
        runs,
    )
    return inputs, ours, theirs


def cli_vs_plain_script(table: Table, runs: int) -> None:
    """The whole CLI on BERT-base against a script that imports torch and transformers,
    builds the same model from the same spec file and runs it once."""
    spec = "benchmarks/specs/bert_base.py"
    plain = [
        sys.executable,
        "-c",
        "import runpy, torch\n"
        f"spec = runpy.run_path({spec!r})\n"
        "model = spec['build_model']().eval()\n"
        "with torch.no_grad():\n"
        "    model(spec['example_input']())\n",
    ]
    ours, theirs = interleaved(lambda: wall(linearcli("inspect", spec)), lambda: wall(plain), runs)
    table.ratio("`inspect` BERT-base vs a script that builds and runs it once", ours, theirs, 1.1)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def ratio(
        self, name: str, ours: float, baseline: float, limit: float, strict: bool = False
    ) -> None:
        ratio = ours / baseline
        met = ratio < limit if strict else ratio <= limit
        target = f"{'<' if strict else '<='} {limit}x: " + (
            "met" if met else f"missed by {ratio / limit - 1:.0%}"
        )
        self.add(name, f"{ours:.2f} s vs {baseline:.2f} s", f"{ratio:.2f}x", target)

    def add(self, *cells: str) -> None:
        self.rows.append(cells)
        print(" | ".join(cells), flush=True)


def basics(table: Table, runs: int, base: str) -> None:
    """Start-up against `import torch`, `check` against a base revision, a GPT-3-sized
    spec on meta, deep MLPs."""
    ours, floor = interleaved(
        lambda: wall(linearcli("inspect", "specs/mlp.yaml")), lambda: wall(IMPORT_TORCH), runs
    )
    table.ratio("`inspect specs/mlp.yaml` vs `import torch`", ours, floor, 1.15)

    import torchinfo

    from linearcli import inspect_model, inspect_spec

    model, x = zoo.transformer_style()
    ours, theirs = interleaved(
        timed(lambda: inspect_model(model, *x)),
        timed(lambda: torchinfo.summary(model, input_data=x, verbose=0)),
        runs,
    )
    table.ratio("96 blocks, 480 Linears: `inspect_model` vs `torchinfo.summary`", ours, theirs, 0.6)

    with tempfile.TemporaryDirectory() as scratch:
        specs = Path(scratch)
        for i in range(40):
            shutil.copy(ROOT / "specs" / EXAMPLES[i % len(EXAMPLES)], specs / f"spec_{i}.yaml")
        ours, floor = interleaved(
            lambda: wall(linearcli("check", str(specs))), lambda: wall(IMPORT_TORCH), runs
        )
        table.ratio("`check` of 40 specs vs `import torch`", ours, floor, 1.5)
    check_many_vs_base(table, runs, base)
    with tempfile.TemporaryDirectory() as scratch:
        specs = Path(scratch)

        gpt3 = linearcli("inspect", "specs/gpt3.yaml", "--device", "meta", "-f", "json")
        measured = [(time_and_peak(gpt3), wall(IMPORT_TORCH)) for _ in range(max(3, runs // 2))]
        ours = statistics.median(t for (t, _), _ in measured)
        floor = statistics.median(f for _, f in measured)
        peak = max(p for (_, p), _ in measured)
        table.ratio("GPT-3-sized spec on meta vs `import torch`", ours, floor, 2.5, strict=True)
        table.add(
            "GPT-3-sized spec on meta: peak RSS",
            f"{peak:.0f} MB",
            "",
            f"< 600 MB: {'met' if peak < 600 else 'missed'}",
        )

        sizes = (250, 500, 1000, 2000)
        seconds = []
        gc.collect()
        gc.disable()  # as the CLI runs; with it on, full passes over a growing heap add up
        for n in sizes:
            run = timed(functools.partial(inspect_spec, str(deep_mlp(specs, n))))
            seconds.append(statistics.median(run() for _ in range(runs)))
        gc.enable()
        per_linear = [t / n * 1000 for t, n in zip(seconds, sizes, strict=True)]
        table.add(
            "deep MLP of 250 / 500 / 1,000 / 2,000 Linears: `inspect_spec` in one process, "
            "collector off",
            " / ".join(f"{t:.2f} s" for t in seconds),
            " / ".join(f"{ms:.2f}" for ms in per_linear) + " ms per Linear",
            f"grows linearly: per-Linear cost within {max(per_linear) / min(per_linear) - 1:.0%}",
        )
        one_thousand = statistics.median(
            wall(linearcli("inspect", str(specs / "mlp_1000.yaml"), "-f", "json")) for _ in range(3)
        )
        table.add("deep MLP of 1,000 Linears: `inspect` wall time", f"{one_thousand:.2f} s", "", "")


def main() -> None:
    parser = argparse.ArgumentParser(description="linearcli benchmarks, as ratios of medians")
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument(
        "--base", default=BASE_REV, help=f"the revision `check` is compared with ({BASE_REV})"
    )
    parser.add_argument(
        "--only",
        choices=("basics", "models"),
        help="basics: start-up, check, meta, deep MLPs; models: zoo.py's models against "
        "torchinfo, and the CLI on BERT-base against a plain script (default: both)",
    )
    arguments = parser.parse_args()
    runs = arguments.runs
    # An installed wheel has its bytecode compiled by pip; a checkout run with
    # PYTHONDONTWRITEBYTECODE (as on CI machines) would recompile linearcli every run.
    compileall.compile_dir(ROOT / "linearcli", quiet=1)
    table = Table()
    if arguments.only in (None, "basics"):
        basics(table, runs, arguments.base)
    if arguments.only in (None, "models"):
        models_vs_torchinfo(table, runs)
        cli_vs_plain_script(table, runs)

    import torch

    cpu = platform.processor() or platform.machine()
    python = platform.python_version()
    print(f"\n{cpu}, {os.cpu_count()} cores, Python {python}, torch {torch.__version__}")
    print(f"{runs} interleaved runs, medians\n")
    print("| benchmark | measured | ratio | target |\n|---|---|---|---|")
    for cells in table.rows:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
