"""A report in Jupyter (linearcli/notebook.py): HTML, Markdown, the short repr, a real kernel."""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch
from torch import nn

from linearcli import inspect_model, inspect_spec
from linearcli.notebook import COLOURS, report_html, report_markdown, report_repr
from linearcli.render import render_markdown
from linearcli.report import Diagnostic, Report

HOSTILE = "<img src=x onerror=alert(1)>"


class Page(HTMLParser):
    """What a browser would see: the tags opened, and each table row's cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.head: list[str] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._in_head = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            (self.head if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def mlp(in_repo: Path) -> Report:
    return inspect_spec("specs/mlp.yaml")


@pytest.fixture
def broken(in_repo: Path) -> Report:
    return inspect_spec("specs/broken/wrong_hidden_size.yaml")


def test_html_has_a_row_per_linear_with_the_terminal_s_words(mlp: Report) -> None:
    page = Page(report_html(mlp))
    assert page.tags.count("table") == 1 and "thead" in page.tags and "tbody" in page.tags
    assert page.head[:5] == ["layer", "in → out", "weight", "bias", "params"]
    hidden = dict(zip(page.head, page.rows[0], strict=True))
    assert hidden["layer"] == "hidden"
    assert hidden["in → out"] == "784 → 256"
    assert hidden["weight"] == "(256, 784)"
    assert hidden["params"] == "200,960"
    assert hidden["status"] == "ok"
    assert [row[0] for row in page.rows] == ["hidden", "output"]
    text = "".join(page.text)
    assert "2 Linear layers, 203,530 Linear parameters" in text
    assert "input (3, 784) → output (3, 10) on cpu" in text
    assert "Findings" not in text


def test_html_findings_panel(broken: Report) -> None:
    html = report_html(broken)
    page = Page(html)
    findings = "".join(page.text).split("Findings: 1 error", 1)[1]
    for fact in ("error", "in-features-mismatch", "fc2", "got (2, 256) from fc1", "fix:"):
        assert fact in findings
    assert "set in_features to 256: nn.Linear(256, 10)" in findings
    assert "at specs/broken/wrong_hidden_size.yaml:7" in findings
    assert dict(zip(page.head, page.rows[1], strict=True))["status"] == "error"
    assert '<li class="lc-finding-error">' in html


def test_spec_text_is_escaped_everywhere(mlp: Report) -> None:
    layer = replace(mlp.layers[0], name=HOSTILE, source=HOSTILE)
    finding = Diagnostic("warning", "x<b>", HOSTILE, HOSTILE, fix=HOSTILE, source=HOSTILE)
    hostile = replace(mlp, spec=HOSTILE, layers=(layer, *mlp.layers[1:]), diagnostics=(finding,))
    html = report_html(hostile)
    page = Page(html)
    assert "img" not in page.tags and "b" not in page.tags
    assert page.rows[0][0] == HOSTILE  # shown as written, as text
    assert "".join(page.text).count(HOSTILE) == 6  # title, row, layer, message, fix, source
    assert HOSTILE not in html


def test_folded_blocks_show_as_in_the_terminal() -> None:
    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.ModuleList(nn.Linear(8, 8) for _ in range(4))
            self.head = nn.Linear(8, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for layer in self.encoder:
                x = torch.relu(layer(x))
            return self.head(x)

    torch.manual_seed(0)
    report = inspect_model(Encoder(), torch.randn(2, 8))
    page = Page(report_html(report))
    assert [row[0] for row in page.rows] == ["encoder.0-3 ×4", "head"]
    assert page.rows[0][4] == "72"  # params of one block, as the terminal says
    assert "×4: identical blocks shown once, their params per block" in "".join(page.text)
    expanded = Page(report_html(report, expand=True))
    assert [row[0] for row in expanded.rows] == [*(f"encoder.{i}" for i in range(4)), "head"]


def test_css_is_scoped_to_the_wrapper(broken: Report) -> None:
    html = report_html(broken)
    assert html.startswith('<div class="linearcli-report">')
    style = re.search(r"<style>(.*)</style>", html, re.S)
    assert style is not None
    for rule in re.findall(r"([^{}]+)\{[^{}]*\}", style.group(1)):
        for selector in rule.split(","):
            assert selector.strip().startswith(".linearcli-report"), selector
    # Nothing that assumes a light or a dark page.
    fixed = re.compile(r"#(?:fff|000)(?:fff|000)?\b|\b(?:white|black)\b(?!-)", re.I)
    assert fixed.search(style.group(1)) is None


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("name", sorted(COLOURS))
@pytest.mark.parametrize("page", ["#ffffff", "#1e1e1e"], ids=["light", "dark"])
def test_colours_read_on_light_and_dark_themes(name: str, page: str) -> None:
    assert _contrast(COLOURS[name], page) >= 3.0


def test_markdown_is_the_markdown_renderer_s(mlp: Report) -> None:
    assert report_markdown(mlp) == render_markdown(mlp)


def test_repr_is_one_short_line(mlp: Report, broken: Report) -> None:
    assert report_repr(mlp) == "<Report specs/mlp.yaml: 2 Linear layers, 203,530 params, ok>"
    assert report_repr(broken).endswith(": 2 Linear layers, 202,250 params, 1 error>")
    warnings = (Diagnostic("warning", "w", None, "m"),) * 2
    mixed = replace(broken, diagnostics=broken.diagnostics + warnings)
    assert report_repr(mixed).endswith(", 1 error, 2 warnings>")
    infos = replace(mlp, spec=None, diagnostics=(Diagnostic("info", "i", None, "m"),))
    assert report_repr(infos) == "<Report: 2 Linear layers, 203,530 params, ok>"
    assert "\n" not in report_repr(replace(mlp, spec="a\nb"))


def test_report_shows_itself_in_a_notebook(mlp: Report) -> None:
    assert repr(mlp) == report_repr(mlp)
    assert mlp._repr_html_() == report_html(mlp)
    assert mlp._repr_markdown_() == report_markdown(mlp)
    assert hasattr(mlp, "__rich__")


NOTEBOOK_CELL = """
import torch
from torch import nn
from linearcli import inspect_model

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

torch.manual_seed(0)
model = MLP()
inspect_model(model, torch.randn(3, 784))
"""


def test_a_real_notebook_shows_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel that imports torch: about 5 s."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")
    kernelspec = pytest.importorskip(
        "ipykernel.kernelspec", reason="ipykernel is in the test extra"
    )
    # The kernel runs this interpreter, found through a kernelspec of our own: no --user
    # install, and no kernel of the same name elsewhere on the machine is used instead.
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "prefix" / "share" / "jupyter"))
    kernelspec.install(kernel_name="python3", prefix=str(tmp_path / "prefix"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # else jupyter_core warns, an error here

    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(textwrap.dedent(NOTEBOOK_CELL).strip()))
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    outputs = notebook.cells[0].outputs
    results = [out for out in outputs if out.output_type == "execute_result"]
    assert len(results) == 1, outputs
    data = results[0].data
    assert data["text/plain"] == "<Report: 2 Linear layers, 203,530 params, ok>"
    page = Page(data["text/html"])
    rows = {row[0]: row for row in page.rows}
    assert rows["fc1"][1:5] == ["784 → 256", "(256, 784)", "(256,)", "200,960"]
    assert rows["fc2"][1] == "256 → 10"
    assert "| fc1 | 784 → 256 |" in data["text/markdown"]


def test_rich_print_renders_the_table(in_repo: Path) -> None:
    import io

    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(inspect_spec("specs/mlp.yaml"))
    assert "hidden  784 → 256" in out.getvalue() and "203,530" in out.getvalue()
