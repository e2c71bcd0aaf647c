"""``linearcli check``: many specs in one process, each checked whatever the others do."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import yaml

from linearcli.errors import LinearcliError
from linearcli.options import RunOptions
from linearcli.pipeline import inspect_spec
from linearcli.report import CheckResult, FileResult, SpecFailure
from linearcli.spec import YAML_SUFFIXES
from linearcli.spec.yaml_text import top_level_keys

# Never searched: version control, environments, caches, build output.
_SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "venv", "env", "build", "dist", "site-packages"}
)
_MODEL_LINE = re.compile(rb"^model\s*:", re.MULTILINE)


def collect_specs(paths: Sequence[str]) -> list[str]:
    """The specs to check, in order, each once.

    A directory is searched, recursively, for YAML files with a top-level ``model:`` key;
    Python specs are code and run only when named. A YAML file that is not a spec (a CI
    workflow that pre-commit passes along) is skipped wherever it comes from.
    """
    found: dict[str, None] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.update((spec, None) for spec in _yaml_specs_under(given))
        elif path.suffix.lower() in YAML_SUFFIXES and path.is_file():
            if is_yaml_spec(path):
                found[given] = None
        else:
            found[given] = None  # a Python spec, or a path that does not exist: say so
    return list(found)


def is_yaml_spec(path: Path) -> bool:
    """A mapping with a top-level ``model`` key; unparsable files that look like one count."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    try:
        return "model" in top_level_keys(data)
    except yaml.YAMLError:
        return _MODEL_LINE.search(data) is not None  # a broken spec must fail, not vanish


def _yaml_specs_under(directory: str) -> Iterator[str]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if Path(name).suffix.lower() in YAML_SUFFIXES and is_yaml_spec(Path(root, name)):
                yield os.path.join(root, name)


def check_specs(
    specs: Sequence[str], options_for: Callable[[str], RunOptions], *, strict: bool = False
) -> CheckResult:
    results = []
    for index, spec in enumerate(specs):
        if index and not gc.isenabled():
            _collect_previous_spec()
        try:
            results.append(FileResult(spec, inspect_spec(spec, options_for(spec))))
        except LinearcliError as exc:
            results.append(FileResult(spec, None, SpecFailure.of(exc)))
    return CheckResult(tuple(results), strict=strict)


def _collect_previous_spec() -> None:
    """With the collector off (the CLI's main), free the cycles a spec left behind.

    A Python spec's module and the model it made are reference cycles. What survives
    the pass is long-lived (torch's modules), so it is frozen out of the passes to come.
    """
    gc.collect()
    gc.freeze()
