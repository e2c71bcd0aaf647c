"""Check the diagnosis corpus: every case is well formed and fails (or not) as it says.

    python tests/diagnosis/check_corpus.py [FILE ...]

A plain script, not a pytest test. For every file under broken/ and correct/ (or the
files named), it imports the file in a fresh namespace (runpy), builds its model, runs
it on example_input() in eval mode under torch.no_grad(), and checks:

- EXPECTED is well formed: exactly family, silent, source and findings; each finding
  exactly layer, line, line_text, numbers, wrong and fix, its fix in words holding every
  one of its numbers and none of its wrong ones; a broken file's name starts with its
  family;
- every finding's line lies in the code above EXPECTED and holds its line_text;
- every finding's layer is a module of the model (model.named_modules()); where the
  model cannot be built (a constructor that raises) this is reported as not checked;
- a broken case that is not silent raises as its RAISES says: (stage, exception type,
  a fragment of the message), the stage "build" (making the model, load_state_dict
  included) or "forward";
- a silent case runs without an exception, and its output has SYMPTOM's output_shape,
  not its correct_output_shape (whose first axis is the input's batch, or 1 where the
  input lacks its batch axis: family missing-batch);
- a correct case runs, and its output's first axis is the input's batch, or a multiple
  of it where the model returns one row per sample and step (step-major rows).

Nothing may warn, at import, build or run. The summary counts the cases per family.
Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import re
import runpy
import sys
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
FAMILIES = (
    "flatten-size",
    "no-flatten",
    "view-size",
    "batch-axis",
    "transposed",
    "missing-batch",
    "rnn",
    "attention",
    "conv-channels",
    "cat",
    "head-replaced",
    "helper",
    "checkpoint",
)
EXPECTED_KEYS = {"family", "silent", "source", "findings"}
FINDING_KEYS = {"layer", "line", "line_text", "numbers", "wrong", "fix"}
MIN_BROKEN, MIN_SILENT, MIN_CORRECT, MIN_PER_FAMILY = 40, 6, 8, 2


class CaseError(Exception):
    """One check of one case failed."""


def fail(message: str) -> None:
    raise CaseError(message)


def check_expected(path: Path, expected: Any, broken: bool) -> None:
    if not isinstance(expected, dict):
        fail("EXPECTED is not a dict")
    if set(expected) != EXPECTED_KEYS:
        fail(f"EXPECTED keys are {sorted(expected)}, not {sorted(EXPECTED_KEYS)}")
    family, silent = expected["family"], expected["silent"]
    if not isinstance(silent, bool):
        fail("EXPECTED['silent'] is not a bool")
    if not isinstance(expected["source"], str) or not expected["source"].strip():
        fail("EXPECTED['source'] is empty")
    findings = expected["findings"]
    if not isinstance(findings, list):
        fail("EXPECTED['findings'] is not a list")
    if broken:
        if family not in FAMILIES:
            fail(f"unknown family {family!r}")
        if not path.stem.startswith(family + "_"):
            fail(f"file name does not start with its family {family!r}")
        if not findings:
            fail("a broken case without findings")
    else:
        if family != "correct" or silent or findings:
            fail("a correct case needs family 'correct', silent False and no findings")
    for i, finding in enumerate(findings):
        where = f"finding {i}"
        if not isinstance(finding, dict) or set(finding) != FINDING_KEYS:
            keys = sorted(finding) if isinstance(finding, dict) else finding
            fail(f"{where}: keys are {keys}, not {sorted(FINDING_KEYS)}")
        layer = finding["layer"]
        if layer is not None and (not isinstance(layer, str) or not layer):
            fail(f"{where}: layer must be a module name or None")
        if not isinstance(finding["line"], int) or isinstance(finding["line"], bool):
            fail(f"{where}: line is not an int")
        if not isinstance(finding["line_text"], str) or not finding["line_text"].strip():
            fail(f"{where}: line_text is empty")
        for key in ("numbers", "wrong"):
            values = finding[key]
            if not isinstance(values, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in values
            ):
                fail(f"{where}: {key} is not a list of ints")
        if set(finding["numbers"]) & set(finding["wrong"]):
            fail(f"{where}: a number is both right and wrong")
        if not isinstance(finding["fix"], str) or not finding["fix"].strip():
            fail(f"{where}: fix is empty")
        # The fix in words must pass the measures it defines: it holds every right number
        # and no wrong one (numbers standing alone, not the 1 of "fc1" or "3x3").
        said = {int(n) for n in re.findall(r"(?<![\w.])-?\d+(?!\w)", finding["fix"])}
        if missing := [n for n in finding["numbers"] if n not in said]:
            fail(f"{where}: the fix does not say the right number(s) {missing}")
        if wrong := [n for n in finding["wrong"] if n in said]:
            fail(f"{where}: the fix says the wrong number(s) {wrong}")


def check_lines(path: Path, findings: list[dict[str, Any]]) -> None:
    lines = path.read_text().splitlines()
    end = next((i for i, text in enumerate(lines) if re.match(r"EXPECTED\s*=", text)), None)
    if end is None:
        fail("no `EXPECTED = ` line")
    for i, finding in enumerate(findings):
        line = finding["line"]
        if not 1 <= line <= end:
            fail(f"finding {i}: line {line} is not in the code above EXPECTED (1..{end})")
        if finding["line_text"] not in lines[line - 1]:
            fail(
                f"finding {i}: line {line} is {lines[line - 1].strip()!r}, "
                f"which does not hold {finding['line_text']!r}"
            )


def find_model(namespace: dict[str, Any], run_name: str) -> Callable[[], nn.Module]:
    """As linearcli does: `model`, else build_model(), else the one nn.Module subclass."""
    if isinstance(namespace.get("model"), nn.Module):
        return lambda: namespace["model"]
    if callable(namespace.get("build_model")):
        return namespace["build_model"]
    classes = [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == run_name
    ]
    if len(classes) != 1:
        fail(f"no single model: {len(classes)} nn.Module subclasses and no build_model()")
    return classes[0]


def example_input(namespace: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    value = namespace.get("example_input")
    if value is None:
        fail("no example_input")
    if callable(value) and not isinstance(value, torch.Tensor):
        value = value()
    if isinstance(value, torch.Tensor):
        return (value,), {}
    if (
        isinstance(value, tuple | list)
        and value
        and all(isinstance(v, torch.Tensor) for v in value)
    ):
        return tuple(value), {}
    if isinstance(value, dict) and any(isinstance(v, torch.Tensor) for v in value.values()):
        return (), dict(value)
    fail(f"example_input gives a {type(value).__name__}")
    raise AssertionError  # unreachable


def first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, tuple | list):
        for item in value:
            found = first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        for item in value.values():
            found = first_tensor(item)
            if found is not None:
                return found
    return None


@contextmanager
def loading_into() -> Iterator[list[nn.Module]]:
    """Record every module load_state_dict is called on (its names stay checkable)."""
    seen: list[nn.Module] = []
    original = nn.Module.load_state_dict

    def recording(self: nn.Module, *args: Any, **kwargs: Any) -> Any:
        seen.append(self)
        return original(self, *args, **kwargs)

    nn.Module.load_state_dict = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        nn.Module.load_state_dict = original  # type: ignore[method-assign]


def matches(exc: BaseException, raises: Any, stage: str) -> None:
    want_stage, want_type, fragment = raises
    if stage != want_stage:
        fail(f"raised at {stage}, RAISES says {want_stage}: {type(exc).__name__}: {exc}")
    if not isinstance(exc, want_type):
        fail(f"raised {type(exc).__name__}, RAISES says {want_type.__name__}: {exc}")
    if fragment not in str(exc):
        fail(f"the message {str(exc)!r} does not hold {fragment!r}")


def check_case(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Check one file; return its EXPECTED and notes on what could not be checked."""
    broken = path.parent.name == "broken"
    notes: list[str] = []
    run_name = "corpus_" + re.sub(r"\W", "_", path.stem)
    torch.manual_seed(0)
    namespace = runpy.run_path(str(path), run_name=run_name)
    expected = namespace.get("EXPECTED")
    check_expected(path, expected, broken)
    check_lines(path, expected["findings"])
    silent = expected["silent"]
    raises, symptom = namespace.get("RAISES"), namespace.get("SYMPTOM")
    if broken and not silent:
        if not (
            isinstance(raises, tuple) and len(raises) == 3 and raises[0] in {"build", "forward"}
        ):
            fail("a raising case needs RAISES = (stage, exception type, message fragment)")
        if symptom is not None:
            fail("a raising case has a SYMPTOM")
    elif broken:
        if not (
            isinstance(symptom, dict) and set(symptom) == {"output_shape", "correct_output_shape"}
        ):
            fail("a silent case needs SYMPTOM = {output_shape, correct_output_shape}")
        if raises is not None:
            fail("a silent case has RAISES")
    elif raises is not None or symptom is not None:
        fail("a correct case has RAISES or SYMPTOM")

    make = find_model(namespace, run_name)
    model: nn.Module | None = None
    with loading_into() as loaded:
        try:
            model = make()
        except Exception as exc:  # noqa: BLE001 - any exception is the case's to report
            if not (broken and not silent):
                fail(f"building the model raised {type(exc).__name__}: {exc}")
            matches(exc, raises, "build")
    modules = model if model is not None else (loaded[-1] if loaded else None)
    if modules is not None:
        names = {name for name, _ in modules.named_modules()}
        for finding in expected["findings"]:
            if finding["layer"] is not None and finding["layer"] not in names:
                fail(f"layer {finding['layer']!r} is not a module of the model")
    elif any(f["layer"] is not None for f in expected["findings"]):
        notes.append("layer not checked: the model cannot be built")
    if model is None:
        return expected, notes

    args, kwargs = example_input(namespace)
    batch_of = first_tensor((args, kwargs))
    assert batch_of is not None
    batch = batch_of.shape[0]
    model.eval()
    try:
        with torch.no_grad():
            output = model(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        if not (broken and not silent):
            fail(f"the forward pass raised {type(exc).__name__}: {exc}")
        matches(exc, raises, "forward")
        return expected, notes
    if broken and not silent:
        fail(f"RAISES says {raises[1].__name__}, but the forward pass ran")
    out = first_tensor(output)
    if out is None:
        fail("the output holds no tensor")
    shape = list(out.shape)
    if broken:
        if shape != list(symptom["output_shape"]):
            fail(f"output shape {shape}, SYMPTOM says {list(symptom['output_shape'])}")
        if shape == list(symptom["correct_output_shape"]):
            fail("the output already has the correct shape: the bug does not show")
        # A missing-batch case's input has no batch axis: its batch is the one sample.
        want = 1 if expected["family"] == "missing-batch" else batch
        if list(symptom["correct_output_shape"])[:1] != [want]:
            fail(f"correct_output_shape does not start with the input's batch {want}")
    elif not shape or shape[0] % batch:
        fail(f"output shape {shape}: its first axis is not a multiple of the batch {batch}")
    return expected, notes


def main(argv: list[str]) -> int:
    paths = (
        [Path(a).resolve() for a in argv]
        if argv
        else sorted((HERE / "broken").glob("*.py")) + sorted((HERE / "correct").glob("*.py"))
    )
    families: Counter[str] = Counter()
    silent_families: Counter[str] = Counter()
    failures = 0
    for path in paths:
        label = f"{path.parent.name}/{path.name}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                expected, notes = check_case(path)
        except CaseError as exc:
            failures += 1
            print(f"FAIL {label}: {exc}")
            continue
        except Exception:  # noqa: BLE001
            failures += 1
            print(f"FAIL {label}: unexpected error\n{traceback.format_exc()}")
            continue
        families[expected["family"]] += 1
        if expected["silent"]:
            silent_families[expected["family"]] += 1
        tag = " (silent)" if expected["silent"] else ""
        extra = f" [{'; '.join(notes)}]" if notes else ""
        print(f"ok   {label}{tag}{extra}")

    broken_total = sum(n for f, n in families.items() if f != "correct")
    silent_total = sum(silent_families.values())
    print()
    print(f"{'family':<15} {'cases':>5} {'silent':>6}")
    for family in (*FAMILIES, "correct"):
        print(f"{family:<15} {families[family]:>5} {silent_families[family]:>6}")
    print(
        f"\n{broken_total} broken ({silent_total} silent), {families['correct']} correct, "
        f"{failures} failed"
    )
    if not argv:
        short = [f for f in FAMILIES if families[f] < MIN_PER_FAMILY]
        if broken_total < MIN_BROKEN or silent_total < MIN_SILENT:
            print(f"too few cases: need {MIN_BROKEN} broken, {MIN_SILENT} of them silent")
            failures += 1
        if families["correct"] < MIN_CORRECT:
            print(f"too few correct cases: need {MIN_CORRECT}")
            failures += 1
        if short:
            print(f"families with fewer than {MIN_PER_FAMILY} cases: {', '.join(short)}")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
