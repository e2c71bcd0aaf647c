"""Issue 16's hostile corpus: situations a CI gate meets, each run the way a user runs it.

Every situation asserts the same promises, whatever it is: the exit code; stderr holds
exactly the lines it should (a one-line error, never a traceback); stdout in a
machine-readable format parses (strict JSON: no NaN, XML, GitHub workflow commands that
are all linearcli's own); no byte of stdout or stderr is a control character other than
a line break (no ESC, no C1, no bidirectional override); files that must survive are
byte for byte and mode for mode what they were; and nothing hangs (an alarm fails the
test instead). A situation's own fact (a name shown escaped, a count) is asserted too.
The situations run in-process through ``linearcli.cli.run``, as the console script
does; the few that need a process of their own are in test_hostile_io.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import textwrap
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import pytest
from markdown_it import MarkdownIt  # Rich's own Markdown parser

from .conftest import Result

Cli = Callable[..., Result]
ALARM_S = 60
# Anything a terminal or a browser could act on: C0 but the line break, DEL, C1, and the
# bidirectional and zero-width formatting characters.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
RECOGNISED = ("json", "sarif", "junit", "github", "text", "markdown", "table", "none")


class Fifo:
    """A named pipe: reading it would block until a writer comes."""


@dataclass(frozen=True)
class Link:
    target: str  # relative to the situation's directory, or absolute


Content = str | bytes | Fifo | Link


@dataclass(frozen=True)
class Situation:
    argv: tuple[str, ...]  # "{d}" stands for the situation's directory
    exit: int
    out: str  # how stdout must read: one of RECOGNISED
    files: dict[str, Content] = field(default_factory=dict)
    err_lines: int = 0  # exactly this many lines on stderr
    says: tuple[str, ...] = ()  # facts stdout or stderr must hold
    live: tuple[str, ...] = ()  # Markdown: HTML tags that must not come out of rendering it
    unchanged: tuple[str, ...] = ()  # files that must keep their bytes and mode
    mode: int | None = None  # the files are created with this mode


NET = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        INIT
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        FORWARD
        return self.fc(x)


example_input = torch.zeros(2, 4)
"""
GOOD_YAML = "input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n"
BAD_YAML = "input: {shape: [4]}\nmodel:\n  fc: {Linear: [5, 2]}\n"


ODD_EXCEPTION = "class Odd(Exception):\n    def __str__(self):\n        raise ValueError\n"


def net(init: str = "pass", forward: str = "pass", tail: str = "") -> str:
    """The Net above with a line of its own in __init__ and in forward()."""
    return NET.replace("INIT", init).replace("FORWARD", forward) + textwrap.dedent(tail)


def named(name: str, *, call: bool = True) -> str:
    """A Linear registered under ``name`` (any string but a dot): called, an error at it
    (in_features 5, the input has 4); not called, a warning."""
    forward = f"return self.after(getattr(self, {name!r})(x))" if call else "return x"
    return textwrap.dedent(
        f"""
        import torch
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.add_module({name!r}, nn.Linear(5, 3))
                self.after = nn.Linear(3, 2)

            def forward(self, x):
                {forward}


        example_input = torch.zeros(2, 4)
        """
    )


EXIT_CALLS = {
    "sys-exit-0-in-forward": net(forward="import sys; sys.exit(0)"),
    "raise-systemexit-in-init": net(init="raise SystemExit(0)"),
    "os-exit-in-init": net(init="import os; os._exit(0)"),
    "generator-exit-in-forward": net(forward="raise GeneratorExit"),
    "own-baseexception-in-forward": net(
        forward="raise Stop('stop')", tail="class Stop(BaseException):\n    pass\n"
    ),
}
ESCAPES = {
    "esc-clear-screen": ("a\x1b[2Jb", "a\\x1b[2Jb"),
    "osc-window-title": ("t\x1b]0;pwned\x07", "t\\x1b]0;pwned\\x07"),
    "osc8-hyperlink": ("x\x1b]8;;http://evil\x1b\\y", "x\\x1b]8;;http://evil\\x1b\\y"),
    "newline-workflow-command": ("n\n::add-mask::secret", "n\\n::add-mask::secret"),
    "carriage-return": ("ok\rEVIL", "ok\\rEVIL"),
    "c1-csi": ("c\x9b2J", "c\\x9b2J"),
    "bidi-override": ("abc\u202edcba", "abc\\u202edcba"),
    "nul-and-bell": ("z\x00\x07", "z\\x00\\x07"),
}


def _situations() -> Iterator[tuple[str, Situation]]:
    """(id, situation), class by class, in the order of issue 16's list."""
    # 1. A file that was not checked never passes.
    for name, source in EXIT_CALLS.items():
        # In __init__: the model could not be built (2); in forward(): a forward-error (1).
        code = 2 if "-in-init" in name else 1
        yield name, Situation(("check", "{d}/m.py:Net"), code, "text", {"m.py": source})
    yield (
        "sys-exit-then-good",
        Situation(
            ("check", "{d}/a.py", "{d}/b.yaml"),
            2,
            "text",
            {"a.py": "import sys\n\n\ndef build_model():\n    sys.exit(0)\n", "b.yaml": GOOD_YAML},
            says=("2 specs checked", "1 not checked", "sys.exit(0)"),
        ),
    )
    yield (
        "exit-zero-keeps-not-checked",
        Situation(
            ("check", "--exit-zero", "{d}/a.py"),
            2,
            "text",
            {"a.py": "import os\nos._exit(0)\n"},
            says=("os._exit(0)",),
        ),
    )
    yield "missing-file", Situation(("check", "{d}/nowhere.yaml"), 2, "text", says=("not checked",))
    yield (
        "broken-symlink-named",
        Situation(
            ("check", "{d}/x.yaml"), 2, "text", {"x.yaml": Link("gone.yaml")}, says=("not checked",)
        ),
    )
    yield (
        "broken-symlink-in-directory",
        Situation(
            ("check", "{d}"),
            2,
            "text",
            {"x.yaml": Link("gone.yaml"), "ok.yaml": GOOD_YAML},
            says=("2 specs checked", "1 not checked"),
        ),
    )
    yield (
        "one-file-four-ways",
        Situation(
            ("check", "{d}/g.yaml", "{d}/./g.yaml", "{d}/../{n}/g.yaml", "{d}//g.yaml"),
            0,
            "text",
            {"g.yaml": GOOD_YAML},
            says=("1 spec checked",),
        ),
    )
    yield (
        "build-model-returns-none",
        Situation(
            ("inspect", "{d}/m.py"),
            2,
            "none",
            {"m.py": "def build_model():\n    return None\n"},
            err_lines=1,
        ),
    )
    yield (
        "build-model-returns-text",
        Situation(
            ("inspect", "{d}/m.py"),
            2,
            "none",
            {"m.py": "def build_model():\n    return 'x'\n"},
            err_lines=1,
        ),
    )
    yield (
        "example-input-is-text",
        Situation(
            ("inspect", "{d}/m.py:Net"),
            2,
            "none",
            {"m.py": net().replace("torch.zeros(2, 4)", "'four'")},
            err_lines=1,
        ),
    )
    yield (
        "python-syntax-error",
        Situation(("check", "{d}/m.py"), 2, "text", {"m.py": "def (:\n"}, says=("syntax error",)),
    )
    yield "empty-python-file", Situation(("check", "{d}/m.py"), 2, "text", {"m.py": ""})
    yield "empty-yaml", Situation(("check", "{d}/m.yaml"), 2, "text", {"m.yaml": ""})
    yield (
        "yaml-of-nul-bytes",
        Situation(("check", "{d}/m.yaml"), 2, "text", {"m.yaml": b"\x00" * 64}),
    )
    yield (
        "yaml-not-utf8",
        Situation(("check", "{d}/m.yaml"), 2, "text", {"m.yaml": b"model: \xff\xfe\n"}),
    )
    yield (
        "yaml-utf16",
        Situation(("check", "{d}/m.yaml"), 2, "text", {"m.yaml": GOOD_YAML.encode("utf-16")}),
    )
    yield (
        "json-error-object",
        Situation(
            ("inspect", "-f", "json", "{d}/m.yaml"),
            2,
            "json",
            {"m.yaml": "model: [\n"},
            err_lines=1,
            says=('"ok": false',),
        ),
    )

    # 2. Never destroy or weaken a file.
    yield (
        "export-over-fifo",
        Situation(
            ("inspect", "{d}/g.yaml", "--export-svg", "{d}/pipe"),
            2,
            "none",
            {"g.yaml": GOOD_YAML, "pipe": Fifo()},
            err_lines=1,
            says=("not a regular file",),
        ),
    )
    yield (
        "export-over-dev-null-link",
        Situation(
            ("inspect", "{d}/g.yaml", "--export-html", "{d}/null"),
            2,
            "none",
            {"g.yaml": GOOD_YAML, "null": Link("/dev/null")},
            err_lines=1,
        ),
    )
    yield (
        "export-keeps-mode",
        Situation(
            ("inspect", "{d}/g.yaml", "--export-svg", "{d}/old.svg"),
            0,
            "table",
            {"g.yaml": GOOD_YAML, "old.svg": "old"},
            mode=0o644,
            unchanged=("g.yaml",),
        ),
    )
    yield (
        "export-over-its-spec",
        Situation(
            ("inspect", "{d}/g.yaml", "--export-svg", "{d}/g.yaml"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
            unchanged=("g.yaml",),
        ),
    )
    yield (
        "export-into-missing-dir",
        Situation(
            ("inspect", "-f", "json", "{d}/g.yaml", "--export-svg", "{d}/no/x.svg"),
            2,
            "json",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    yield (
        "export-onto-a-directory",
        Situation(
            ("inspect", "{d}/g.yaml", "--export-html", "{d}"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
            unchanged=("g.yaml",),
        ),
    )
    yield (
        "check-leaves-specs-alone",
        Situation(
            ("check", "{d}"),
            1,
            "text",
            {"a.yaml": BAD_YAML, "b.py": net()},
            unchanged=("a.yaml", "b.py"),
        ),
    )

    # 3. Never hang: only regular files are read, and not without limit.
    yield (
        "fifo-named-like-a-spec",
        Situation(
            ("check", "{d}"),
            2,
            "text",
            {"p.yaml": Fifo(), "ok.yaml": GOOD_YAML},
            says=("1 not checked",),
        ),
    )
    yield (
        "fifo-given-to-inspect",
        Situation(("inspect", "{d}/p.yaml"), 2, "none", {"p.yaml": Fifo()}, err_lines=1),
    )
    yield (
        "dev-zero-named-like-a-spec",
        Situation(("check", "{d}/z.yaml"), 2, "text", {"z.yaml": Link("/dev/zero")}),
    )
    yield (
        "dev-zero-in-a-directory",
        Situation(
            ("check", "{d}"),
            2,
            "text",
            {"z.yaml": Link("/dev/zero"), "ok.yaml": GOOD_YAML},
            says=("1 not checked",),
        ),
    )
    yield (
        "yaml-past-the-size-cap",
        Situation(
            ("check", "{d}/big.yaml"),
            2,
            "text",
            {"big.yaml": "# " + "x" * (5 * 2**20) + "\n"},
            says=("MiB",),
        ),
    )
    yield (
        "forever-at-import",
        Situation(
            ("check", "--timeout", "1", "{d}/m.py", "{d}/g.yaml"),
            2,
            "text",
            {"m.py": "while True:\n    pass\n", "g.yaml": GOOD_YAML},
            says=("2 specs checked", "--timeout"),
        ),
    )
    yield (
        "forever-in-forward",
        Situation(
            ("inspect", "--timeout", "1", "{d}/m.py:Net"),
            2,
            "none",
            {"m.py": net(forward="while True: pass")},
            err_lines=1,
        ),
    )
    yield (
        "input-in-forward",
        Situation(
            ("check", "{d}/m.py:Net"),
            1,
            "text",
            {"m.py": net(forward="input('password: ')")},
            says=("EOFError",),
        ),
    )
    yield (
        "infinite-recursion",
        Situation(
            ("check", "{d}/m.py:Net"),
            1,
            "text",
            {"m.py": net(forward="return self.forward(x)")},
            says=("RecursionError",),
        ),
    )

    # 4. No tracebacks from user input.
    yield (
        "batch-beyond-int64",
        Situation(
            ("inspect", "{d}/g.yaml", "-b", str(2**70)),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    yield (
        "shape-beyond-int64",
        Situation(
            ("inspect", "{d}/g.yaml", "-i", str(2**70)),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    yield (
        "shape-product-overflows",
        Situation(
            ("inspect", "{d}/g.yaml", "-i", "4294967296,4294967296"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    yield (
        "batch-zero",
        Situation(
            ("inspect", "{d}/g.yaml", "-b", "0"), 2, "none", {"g.yaml": GOOD_YAML}, err_lines=1
        ),
    )
    yield (
        "batch-negative",
        Situation(
            ("inspect", "{d}/g.yaml", "-b", "-3"), 2, "none", {"g.yaml": GOOD_YAML}, err_lines=1
        ),
    )
    yield (
        "dtype-unknown",
        Situation(
            ("inspect", "{d}/g.yaml", "--dtype", "float128"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    yield (
        "max-memory-garbage",
        Situation(
            ("inspect", "{d}/g.yaml", "--max-memory", "lots"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    yield (
        "timeout-negative",
        Situation(
            ("inspect", "{d}/g.yaml", "--timeout", "-1"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )
    for value in (str(2**70), "-3", ".nan", "true", "4.5", "'four'"):
        yield (
            f"yaml-in-features-{value}",
            Situation(
                ("check", "{d}/m.yaml"),
                2,
                "text",
                {"m.yaml": f"input: {{shape: [4]}}\nmodel:\n  fc: {{Linear: [{value}, 2]}}\n"},
            ),
        )
    yield (
        "module-getattr-raises",
        Situation(
            ("check", "{d}/m.py:Net"),
            0,
            "text",
            {"m.py": net(tail="def __getattr__(name):\n    raise RuntimeError(name)\n")},
        ),
    )
    yield (
        "str-of-exception-raises",
        Situation(
            ("check", "{d}/m.py:Net"),
            1,
            "text",
            {
                "m.py": net(
                    forward="raise Odd()",
                    tail=ODD_EXCEPTION,
                )
            },
            says=("could not be read",),
        ),
    )
    yield (
        "huge-exception-message",
        Situation(
            ("check", "{d}/m.py:Net"),
            1,
            "text",
            {"m.py": net(forward="raise ValueError('x' * 10**6)")},
        ),
    )
    yield (
        "repr-of-model-raises",
        Situation(
            ("check", "{d}/m.py:Net"),
            0,
            "text",
            {"m.py": net(tail="Net.__repr__ = lambda self: 1 / 0\n")},
        ),
    )
    yield (
        "forward-returns-text",
        Situation(
            ("check", "{d}/m.py:Net"), 0, "text", {"m.py": net(forward="self.fc(x); return 'text'")}
        ),
    )
    yield (
        "forward-returns-nested",
        Situation(
            ("check", "{d}/m.py:Net"),
            0,
            "text",
            {"m.py": net(forward="return {'a': [self.fc(x), None], 'b': (1, 'x')}")},
        ),
    )
    yield (
        "cuda-without-cuda",
        Situation(
            ("inspect", "{d}/g.yaml", "--device", "cuda:7"),
            2,
            "none",
            {"g.yaml": GOOD_YAML},
            err_lines=1,
        ),
    )

    # 5. Machine-readable output stays machine-readable.
    nan = "with torch.no_grad():\n            self.fc.weight[0, 0] = float('nan')"
    infinite = "with torch.no_grad():\n            self.fc.bias[1] = float('-inf')"
    yield (
        "nan-weight-json",
        Situation(
            ("inspect", "-f", "json", "{d}/m.py:Net"),
            1,
            "json",
            {
                "m.py": net().replace(
                    "        self.fc = nn.Linear(4, 2)\n",
                    "        self.fc = nn.Linear(4, 2)\n        " + nan + "\n",
                )
            },
            says=("non-finite-weights", '"non_finite": 1'),
        ),
    )
    yield (
        "inf-bias-check-json",
        Situation(
            ("check", "-f", "json", "{d}/m.py:Net"),
            1,
            "json",
            {
                "m.py": net().replace(
                    "        self.fc = nn.Linear(4, 2)\n",
                    "        self.fc = nn.Linear(4, 2)\n        " + infinite + "\n",
                )
            },
            says=("1 of the 2 bias values",),
        ),
    )
    yield (
        "prints-and-json",
        Situation(
            ("inspect", "-f", "json", "{d}/m.py:Net"),
            0,
            "json",
            {"m.py": net(forward="print('{not json')")},
            err_lines=1,
        ),
    )
    yield (
        "sarif-with-not-checked",
        Situation(
            ("check", "-f", "sarif", "{d}/a.yaml", "{d}/b.yaml"),
            2,
            "sarif",
            {"a.yaml": "model: [\n", "b.yaml": BAD_YAML},
        ),
    )
    yield (
        "junit-with-not-checked",
        Situation(
            ("check", "-f", "junit", "{d}/a.yaml", "{d}/b.yaml"),
            2,
            "junit",
            {"a.yaml": "model: [\n", "b.yaml": BAD_YAML},
        ),
    )

    # 6. No escape injection: every name and message escaped for its medium.
    for name, (raw, shown) in ESCAPES.items():
        for form, out in (
            ("text", "text"),
            ("github", "github"),
            ("json", "json"),
            ("junit", "junit"),
        ):
            yield (
                f"{name}-check-{form}",
                Situation(
                    ("check", "-f", form, "{d}/m.py:Net"),
                    1,
                    out,
                    {"m.py": named(raw)},
                    says=(shown,) if out in ("text", "github") else (),
                ),
            )
        yield (
            f"{name}-table",
            Situation(("inspect", "{d}/m.py:Net"), 1, "table", {"m.py": named(raw)}, says=(shown,)),
        )
    yield (
        "html-in-name-markdown",
        Situation(
            ("inspect", "-f", "markdown", "{d}/m.py:Net"),
            1,
            "markdown",
            {"m.py": named("<img src=x onerror=alert(1)>")},
            says=("\\<img src=x onerror=alert(1)",),
            live=("img",),
        ),
    )
    yield (
        "markdown-link-in-name",
        Situation(
            ("inspect", "-f", "markdown", "{d}/m.py:Net"),
            0,
            "markdown",
            {"m.py": named("[click](http://evil)", call=False)},
            live=("a",),
        ),
    )
    yield (
        "script-in-name-html-export",
        Situation(
            ("inspect", "{d}/m.py:Net", "--export-html", "{d}/out.html"),
            1,
            "table",
            {"m.py": named("<script>alert(1)</script>")},
        ),
    )
    yield (
        "escape-in-exception",
        Situation(
            ("check", "{d}/m.py:Net"),
            1,
            "text",
            {"m.py": net(forward="raise ValueError('bad\\x1b[2J\\n::error::forged')")},
            says=("bad\\x1b[2J; ::error::forged",),
        ),
    )
    yield (
        "escape-in-file-name",
        Situation(
            ("check", "-f", "github", "{d}"),
            1,
            "github",
            {"e\x1b[31mvil.yaml": BAD_YAML},
            says=("e\\x1b[31mvil.yaml",),
        ),
    )
    yield (
        "newline-in-file-name",
        Situation(("check", "{d}/n\n::warning::x.yaml"), 2, "text", says=("n; ::warning::x.yaml",)),
    )
    yield (
        "escape-in-error-line",
        Situation(
            ("inspect", "{d}/\x1b[2Jgone.yaml"), 2, "none", err_lines=1, says=("\\x1b[2Jgone.yaml",)
        ),
    )


SITUATIONS = dict(_situations())


def test_the_corpus_is_big_enough() -> None:
    """Issue 16 asks for 60 situations at least, on top of the older hostile tests."""
    assert len(SITUATIONS) >= 60


@pytest.fixture
def alarm() -> Iterator[None]:
    """A hang fails the test rather than the suite."""

    def give_up(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"no answer in {ALARM_S} s: linearcli hangs")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(ALARM_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", sorted(SITUATIONS))
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_situation(cli: Cli, tmp_path: Path, alarm: None, name: str) -> None:
    situation = SITUATIONS[name]
    folder = tmp_path / "case"
    folder.mkdir()
    _make(folder, situation)
    before = {f: _fingerprint(folder / f) for f in situation.unchanged}
    argv = [arg.replace("{d}", str(folder)).replace("{n}", folder.name) for arg in situation.argv]
    result = cli(*argv)
    said = result.stdout + result.stderr
    assert result.exit_code == situation.exit, said
    assert not CONTROL.search(said), ascii(said)
    assert "Traceback" not in result.stderr
    if situation.err_lines or situation.out in ("table", "none", "markdown"):
        assert len(result.stderr.splitlines()) == situation.err_lines, result.stderr
    _check_stdout(situation.out, result.stdout)
    for fact in situation.says:
        assert fact in said, said
    if situation.live:
        page = MarkdownIt("commonmark").enable("table").render(result.stdout)
        for tag in situation.live:
            assert f"<{tag}" not in page, page
    for name_ in situation.unchanged:
        assert _fingerprint(folder / name_) == before[name_]
    if name == "export-keeps-mode":
        assert stat.S_IMODE((folder / "old.svg").stat().st_mode) == 0o644
        assert (folder / "old.svg").read_text().startswith("<svg")
    if name == "script-in-name-html-export":
        assert "<script>alert" not in (folder / "out.html").read_text()


def _make(folder: Path, situation: Situation) -> None:
    for name, content in situation.files.items():
        path = folder / name
        if isinstance(content, Fifo):
            os.mkfifo(path)
        elif isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        if situation.mode is not None and path.is_file() and not path.is_symlink():
            path.chmod(situation.mode)


def _fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), stat.S_IMODE(path.stat().st_mode)


def _check_stdout(out: str, stdout: str) -> None:
    assert out in RECOGNISED
    if out == "none":
        assert stdout == ""
    elif out in ("json", "sarif"):
        document = json.loads(stdout, parse_constant=_no_constant)  # exactly one document
        if out == "sarif":
            assert document["version"] == "2.1.0"
    elif out == "junit":
        assert ElementTree.fromstring(stdout).tag == "testsuites"
    elif out == "github":
        for line in stdout.splitlines()[:-1]:
            assert re.match(r"::(error|warning|notice) file=[^:]*::", line), line
        assert stdout.splitlines()[-1].startswith("linearcli: ")
    elif out == "text":
        *findings, summary = stdout.splitlines()
        for line in findings:
            assert re.search(r": (error|warning|info)\[[a-z-]+\]", line), line
            assert not line.startswith("::"), line
        assert summary.startswith("linearcli: ")


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")
