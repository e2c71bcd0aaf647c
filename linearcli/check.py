"""``linearcli check``: many specs in one process, each checked whatever the others do."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from linearcli.check_result import CheckResult, FileResult, SpecFailure
from linearcli.discover import IgnoreRules, is_excluded, is_yaml_spec, yaml_specs_under
from linearcli.errors import LinearcliError
from linearcli.guard import SpecTimedOut, exit_message, time_limit
from linearcli.imports import ImportGraph, module_file
from linearcli.options import RunOptions
from linearcli.pipeline import inspect_spec
from linearcli.spec import YAML_SUFFIXES
from linearcli.spec.python_ref import is_python_reference

__all__ = ["check_specs", "collect_specs", "is_yaml_spec"]


def collect_specs(
    paths: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    config_exclude: Sequence[str] = (),
    changed: bool = False,
    configured: Sequence[str] = (),
    project_root: Path | None = None,
) -> list[str]:
    """The specs to check, in order, each once.

    A directory is searched, recursively, for YAML specs (see :mod:`linearcli.discover`
    for which directories and files are skipped); Python specs are code and run only
    when named. A file named is checked, whatever it holds. With ``changed``, a YAML
    file that is not a spec (a CI workflow that pre-commit passes along) is skipped.
    ``exclude`` patterns (gitignore syntax) are relative to the current directory,
    ``config_exclude`` ones to ``project_root``; both remove named paths as well as what
    a search finds.

    With ``changed``, ``paths`` are the files that changed (as pre-commit passes them):
    the result is the YAML specs among them, then each Python spec in ``configured``
    (``file.py``, ``file.py:NAME`` or ``pkg.mod:NAME``) whose file, or a local file it
    imports (:mod:`linearcli.imports`), is among them. Configured directories are not
    searched then: their YAML specs that changed are among ``paths`` already.
    """
    root = project_root or Path.cwd()
    rules = []
    if exclude:
        rules.append(IgnoreRules.of(Path.cwd(), exclude, source="--exclude"))
    if config_exclude:
        rules.append(IgnoreRules.of(root, config_exclude, source="[tool.linearcli] exclude"))
    if changed:
        return _changed_specs(paths, rules, configured, root)
    found: dict[str, None] = {}
    for given in paths:
        if is_excluded(file_of(given), rules):
            continue
        path = Path(given)
        if path.is_dir():
            found.update((spec, None) for spec in yaml_specs_under(given, rules))
        else:
            # Named, so checked: a YAML file that is no spec, or a path that is no file,
            # is not checked, and check says why.
            found[given] = None
    return _once_each(found)


def _changed_specs(
    paths: Sequence[str], rules: Sequence[IgnoreRules], configured: Sequence[str], root: Path
) -> list[str]:
    found: dict[str, None] = {}
    files: set[Path] = set()
    directories: list[Path] = []  # a directory passed as changed: all of it changed
    for given in paths:
        path = Path(given)
        if path.is_dir():
            directories.append(path.resolve())
        else:
            files.add(path.resolve())
        if is_excluded(given, rules):
            continue
        if path.is_dir():
            found.update((spec, None) for spec in yaml_specs_under(given, rules))
        elif path.suffix.lower() in YAML_SUFFIXES and is_yaml_spec(path):
            found[given] = None

    def is_changed(file: Path) -> bool:
        return file in files or any(directory in file.parents for directory in directories)

    python_changed = bool(directories) or any(file.suffix == ".py" for file in files)
    graph = ImportGraph(root)
    for reference in configured:
        file = _python_spec_file(reference)
        if file is None or is_excluded(str(file), rules):
            continue
        dependencies = graph.dependencies(file)
        # A file that cannot be parsed hides its imports: check on any Python change.
        if any(map(is_changed, dependencies.files)) or (
            python_changed and not dependencies.complete
        ):
            found[reference] = None
    return _once_each(found)


def _once_each(references: Iterable[str]) -> list[str]:
    """Each spec once, however it was spelled (a.yaml, ./a.yaml, /abs/a.yaml, a link)."""
    seen: set[str] = set()
    unique = []
    for reference in references:
        file = file_of(reference)
        identity = reference
        if os.path.exists(file):
            identity = os.path.realpath(file) + reference[len(file) :]
        if identity not in seen:
            seen.add(identity)
            unique.append(reference)
    return unique


def file_of(reference: str) -> str:
    """``file.py:NAME`` -> ``file.py``; other paths as they are."""
    if ":" in reference and is_python_reference(reference):
        return reference.rsplit(":", 1)[0]
    return reference


def _python_spec_file(reference: str) -> Path | None:
    if not is_python_reference(reference):
        return None  # a directory or a YAML file
    target = file_of(reference)
    if target.endswith(".py"):
        return Path(target) if Path(target).is_file() else None
    return module_file(Path.cwd(), target)  # pkg.mod:NAME is imported from here


def check_specs(
    specs: Sequence[str],
    options_for: Callable[[str], RunOptions],
    *,
    strict: bool = False,
    timeout: float | None = None,
) -> CheckResult:
    results = []
    start = os.getcwd()
    for index, spec in enumerate(specs):
        if index and not gc.isenabled():
            _collect_previous_spec()
        try:
            with time_limit(timeout):
                report = inspect_spec(spec, options_for(spec))
            results.append(FileResult(spec, report))
        except SpecTimedOut as exc:
            results.append(FileResult(spec, None, SpecFailure("build-error", str(exc), spec)))
        except LinearcliError as exc:
            results.append(FileResult(spec, None, SpecFailure.of(exc)))
        except SystemExit as exc:  # from user code linearcli did not expect to exit
            message = f"the spec called {exit_message(exc)}: not checked"
            results.append(FileResult(spec, None, SpecFailure("build-error", message, spec)))
        finally:
            if os.getcwd() != start:  # a spec changed directory: paths read from here
                os.chdir(start)
    return CheckResult(tuple(results), strict=strict)


def _collect_previous_spec() -> None:
    """With the collector off (the CLI's main), free the cycles a spec left behind.

    A Python spec's module and the model it made are reference cycles. What survives
    the pass is long-lived (torch's modules), so it is frozen out of the passes to come.
    """
    gc.collect()
    gc.freeze()
