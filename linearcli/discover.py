"""Which files a directory search finds, and which paths ``exclude`` patterns remove.

A directory is searched recursively for YAML specs. Not searched: hidden directories,
``__pycache__``, ``node_modules``, ``site-packages``, any virtual environment (a
directory holding ``pyvenv.cfg``, whatever its name), and what ``.gitignore`` files
ignore, with git's rules: the .gitignore files of the searched directory and below, and
those of its parents up to the top of the git repository; a deeper file's patterns win,
and nothing inside an ignored directory comes back. A directory named explicitly is
searched even if .gitignore ignores it (then only the .gitignore files inside it
apply). Exclude patterns (gitignore syntax) remove paths from directory searches and
named paths alike. Only regular files are read, and no more of one than a spec may be.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pathspec import GitIgnoreSpec

from linearcli.errors import SpecError
from linearcli.spec import YAML_SUFFIXES
from linearcli.spec.yaml_spec import MAX_FILE_BYTES
from linearcli.spec.yaml_text import top_level_keys

# Never searched, whatever .gitignore says: caches and installed packages.
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
VENV_MARKER = "pyvenv.cfg"
_MODEL_LINE = re.compile(rb"^model\s*:", re.MULTILINE)


@dataclass(frozen=True)
class IgnoreRules:
    """gitignore-style patterns, relative to the directory ``base``."""

    base: str  # absolute
    spec: GitIgnoreSpec

    @classmethod
    def of(cls, base: str | Path, patterns: Iterable[str], *, source: str) -> IgnoreRules:
        """Raises SpecError naming ``source`` for a pattern that is not valid."""
        lines = list(patterns)
        try:
            spec = GitIgnoreSpec.from_lines(lines)
        except ValueError as exc:
            raise SpecError(f"invalid pattern in {source}: {exc}") from None
        return cls(os.path.abspath(base), spec)

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included (``!pattern``), None: no pattern says."""
        relative = os.path.relpath(path, self.base)
        if relative == os.curdir or relative.split(os.sep, 1)[0] == os.pardir:
            return None  # the base itself, or outside it
        relative = relative.replace(os.sep, "/") + ("/" if is_dir else "")
        return self.spec.check_file(relative).include

    def excludes(self, path: str) -> bool:
        """A path named explicitly: excluded, or inside an excluded directory."""
        full = os.path.abspath(path)
        relative = os.path.relpath(full, self.base)
        if relative == os.curdir or relative.split(os.sep, 1)[0] == os.pardir:
            return False
        parts = relative.split(os.sep)
        for end in range(1, len(parts)):
            if self.verdict(os.path.join(self.base, *parts[:end]), True):
                return True  # git never looks inside an ignored directory
        return bool(self.verdict(full, os.path.isdir(full)))


def is_excluded(path: str, exclude: Sequence[IgnoreRules]) -> bool:
    return any(rules.excludes(path) for rules in exclude)


def is_yaml_spec(path: Path) -> bool:
    """A mapping with a top-level ``model`` key; unparsable files that look like one count.

    Only a regular file is read, and at most one byte past the spec size limit: a larger
    file that starts like a spec counts, so that check says it is too large. What cannot
    be read (a FIFO, a link to a device or to nothing, a file without read permission)
    but is named like a spec counts too, so that check says why it was not checked
    instead of skipping it in silence.
    """
    data = read_regular_file(path, MAX_FILE_BYTES + 1)
    if data is None:
        return Path(path).suffix.lower() in YAML_SUFFIXES
    if len(data) > MAX_FILE_BYTES:
        return _MODEL_LINE.search(data) is not None
    try:
        return "model" in top_level_keys(data)
    except yaml.YAMLError:
        return _MODEL_LINE.search(data) is not None  # a broken spec must fail, not vanish


def read_regular_file(path: str | Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file (links followed); None for anything else."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        # O_NONBLOCK: should the file be swapped for a FIFO after the stat, open won't wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list[bytes] = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def yaml_specs_under(directory: str, exclude: Sequence[IgnoreRules] = ()) -> Iterator[str]:
    """The YAML specs below ``directory``, sorted, as ``os.path.join(directory, ...)``."""
    inherited = {directory: _gitignores_above(os.path.abspath(directory))}
    for root, dirs, files in os.walk(directory):
        here = os.path.abspath(root)
        rules = inherited.pop(root, ())
        own = _gitignore(here)
        if own is not None:
            rules = (*rules, own)
        kept = []
        for name in sorted(dirs):
            full = os.path.join(here, name)
            if not _skipped_dir(name, full) and not _ignored(full, True, rules, exclude):
                kept.append(name)
                inherited[os.path.join(root, name)] = rules
        dirs[:] = kept
        for name in sorted(files):
            full = os.path.join(here, name)
            if (
                Path(name).suffix.lower() in YAML_SUFFIXES
                and not _ignored(full, False, rules, exclude)
                and is_yaml_spec(Path(full))
            ):
                yield os.path.join(root, name)


def _skipped_dir(name: str, full: str) -> bool:
    return (
        name.startswith(".")
        or name in SKIPPED_DIRS
        or os.path.isfile(os.path.join(full, VENV_MARKER))
    )


def _ignored(
    path: str, is_dir: bool, gitignores: Sequence[IgnoreRules], exclude: Sequence[IgnoreRules]
) -> bool:
    for rules in reversed(gitignores):  # the deepest .gitignore that has a say decides
        verdict = rules.verdict(path, is_dir)
        if verdict is not None:
            if verdict:
                return True
            break
    return any(rules.verdict(path, is_dir) for rules in exclude)


def _gitignores_above(top: str) -> tuple[IgnoreRules, ...]:
    """The .gitignore files of ``top``'s parents, up to the top of its git repository.

    Outside a git repository, none. If they ignore ``top`` itself (it was named), none:
    a directory named explicitly is searched.
    """
    if os.path.lexists(os.path.join(top, ".git")):
        return ()
    parents: list[str] = []
    for parent in Path(top).parents:
        parents.append(str(parent))
        if os.path.lexists(os.path.join(parent, ".git")):
            break
    else:
        return ()
    rules: tuple[IgnoreRules, ...] = ()
    for directory in reversed(parents):
        if rules and _ignored(directory, True, rules, ()):
            return ()
        own = _gitignore(directory)
        if own is not None:
            rules = (*rules, own)
    return () if rules and _ignored(top, True, rules, ()) else rules


def _gitignore(directory: str) -> IgnoreRules | None:
    data = read_regular_file(os.path.join(directory, ".gitignore"), MAX_FILE_BYTES)
    if not data:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    try:
        return IgnoreRules.of(directory, lines, source=".gitignore")
    except SpecError:  # git skips a pattern it cannot use; so do we
        valid = [line for line in lines if _valid_pattern(line)]
        return IgnoreRules.of(directory, valid, source=".gitignore")


def _valid_pattern(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True
