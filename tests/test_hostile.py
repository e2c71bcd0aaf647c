"""Hostile, broken and huge specs: each has an exact outcome, and none crashes or hangs.

tests/hostile/ holds the hand-written corpus; the inputs too big or too odd to keep in a
repository (a 50 MB file, binary junk, a directory named like a spec) are made here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from linearcli.errors import SpecError
from linearcli.spec import load_spec, yaml_text

from .conftest import ROOT, Result

Cli = Callable[..., Result]
CORPUS = ROOT / "tests" / "hostile"
TIME_BOUND_S = 20  # generous for a slow CI machine; each takes well under a few seconds

# file -> (exit code, line of the error or None, fragment of the message)
REFUSED: dict[str, tuple[int | None, str]] = {
    "python_apply.yaml": (
        3,
        "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    "python_tag_on_args.yaml": (
        2,
        "YAML tag 'tag:yaml.org,2002:python/object/new:list' is not allowed",
    ),
    "python_name.yaml": (5, "YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed"),
    "local_tag.yaml": (2, "YAML tag '!include' is not allowed: a spec is plain data"),
    "alias_bomb.yaml": (13, "the spec expands to more than 250,000 YAML values (aliases included)"),
    "alias_cycle.yaml": (2, "a YAML alias refers to the node that contains it"),
    "duplicate_keys.yaml": (
        5,
        "duplicate key 'fc1' (first on line 4): YAML would silently keep only the last",
    ),
    "deep_nesting.yaml": (2, "the spec nests more than 64 levels deep"),
    "nesting_70.yaml": (2, "the spec nests more than 64 levels deep"),
    "empty.yaml": (None, "the file is empty; a spec needs a `model:` mapping"),
    "only_comment.yaml": (None, "the file is empty; a spec needs a `model:` mapping"),
    "top_level_list.yaml": (1, "a spec is a mapping with `model:`"),
    "null_model.yaml": (1, "model must be a mapping of name -> layer, or a list of layers"),
    "outside_torch_nn.yaml": (
        3,
        "layer type 'os.system' is not in torch.nn; importing it runs its code, "
        "so it needs --allow-imports",
    ),
    "absurd_size.yaml": (
        3,
        "layer 'fc': Linear argument 4,294,967,296 is beyond any real size (the limit is 2^31",
    ),
    "negative_size.yaml": (
        3,
        "layer 'fc': Linear(4, -2) failed: RuntimeError: "
        "Trying to create tensor with negative dimension -2",
    ),
    "wrong_argument_type.yaml": (3, "layer 'fc': Linear('four', 2) failed: TypeError:"),
    "too_many_arguments.yaml": (
        3,
        "failed: TypeError: Linear.__init__() takes from 3 to 6 positional arguments",
    ),
}
ACCEPTED = {"huge_batch.yaml", "markup_in_names.yaml", "unicode_names.yaml"}


def test_every_corpus_file_has_an_expected_outcome() -> None:
    assert {p.name for p in CORPUS.iterdir()} == set(REFUSED) | ACCEPTED


@pytest.fixture(
    params=[getattr(yaml, "CSafeLoader", None), yaml.SafeLoader], ids=["libyaml", "pure-python"]
)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of PyYAML's loaders: libyaml where PyYAML has it, and the pure-Python one."""
    if request.param is None:
        pytest.skip("this PyYAML has no libyaml")
    monkeypatch.setattr(yaml_text, "LOADER", request.param)


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.usefixtures("loader")
def test_refused_with_one_line_and_exit_2(
    cli: Cli, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a command that ran would leave a file here
    spec = str(CORPUS / name)
    line, message = REFUSED[name]
    started = time.monotonic()
    result = cli("inspect", spec)
    assert time.monotonic() - started < TIME_BOUND_S
    assert result.exit_code == 2
    location = f"{spec}:{line}" if line else spec
    assert result.stderr.startswith(f"{location}: error: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    as_json = cli("inspect", spec, "--format", "json")
    assert as_json.exit_code == 2
    error = json.loads(as_json.stdout)  # exactly one JSON document, no partial report
    assert error["ok"] is False and message in error["error"]["message"]
    assert error["error"]["source"] == location
    assert list(tmp_path.iterdir()) == []  # nothing ran


def test_the_alias_bomb_fails_within_a_second_and_a_few_mb() -> None:
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(SpecError, match="expands to more than"):
        load_spec(str(CORPUS / "alias_bomb.yaml"))
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 8 * 2**20


def test_a_huge_sample_batch_is_never_allocated(cli: Cli) -> None:
    spec = str(CORPUS / "huge_batch.yaml")
    result = cli("inspect", spec, "-f", "json")
    assert result.exit_code == 0
    data = result.json()
    assert data["device"] == "meta" and data["inputs"] == [[1_000_000_000, 1_000_000]]
    assert [d["code"] for d in data["diagnostics"]] == ["meta-fallback"]
    assert "inspected on the meta device" in data["diagnostics"][0]["message"]
    assert result.stderr.startswith(
        f"{spec}: note: the model and its sample batch need 3,638.0 TiB"
    )


def test_markup_in_names_is_shown_as_written(cli: Cli) -> None:
    result = cli("inspect", str(CORPUS / "markup_in_names.yaml"), env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "[bold red]fc[/bold red]" in result.stdout
    assert "[link=file:///etc/passwd]out" in result.stdout


def test_unicode_names(cli: Cli) -> None:
    data = cli("inspect", str(CORPUS / "unicode_names.yaml"), "-f", "json").json()
    assert [layer["name"] for layer in data["layers"]] == ["скрытый", "出力"]


def test_the_number_of_layers_is_bounded(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "many.yaml"
    spec.write_text("model:\n" + "".join(f"  l{i}: ReLU\n" for i in range(20_001)))
    result = cli("inspect", str(spec))
    assert (result.exit_code, result.stderr) == (
        2,
        f"{spec}:20002: error: the spec has more than 20,000 layers\n",
    )


def test_a_50_mb_file_is_refused_before_it_is_read(cli: Cli, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as handle:
        handle.write("model:\n  fc: {Linear: [4, 2]}\n")
        handle.write(("# " + "x" * 1022 + "\n") * 50 * 1024)
    started = time.monotonic()
    result = cli("inspect", str(big))
    assert time.monotonic() - started < 2.0
    assert result.exit_code == 2
    assert result.stderr == f"{big}: error: the file is 50.0 MiB; a spec is at most 4 MiB\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 64, "not UTF-8"),
        (b"model:\n  fc: \x00\x01\x02\n", "invalid YAML"),
        (b"\xff\xfe\x00m\x00o\x00d\x00e\x00l", "not UTF-8"),
    ],
    ids=["all-bytes", "control-characters", "utf16-bom"],
)
@pytest.mark.usefixtures("loader")
def test_binary_junk(cli: Cli, tmp_path: Path, content: bytes, message: str) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(content)
    result = cli("inspect", str(junk))
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


class _LibyamlWithALimit(yaml.SafeLoader):
    """A YAML library with a nesting limit and words of its own (libyaml 0.2.6 refuses
    past 1,000 levels, "exceeded maximum nesting depth", while scanning ahead)."""

    LIMIT = 8

    def __init__(self, stream: object) -> None:
        super().__init__(stream)
        self.depth = 0

    def get_event(self) -> yaml.Event:
        event = super().get_event()
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self.depth += 1
            if self.depth > self.LIMIT:
                raise yaml.YAMLError("exceeded maximum nesting depth")
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self.depth -= 1
        return event


def _nested_sequentials(levels: int) -> str:
    text, indent = "input: {shape: [4]}\nmodel:\n", "  "
    for level in range(levels):
        text += f"{indent}s{level}:\n{indent}  Sequential:\n"
        indent += "    "
    return text + f"{indent}fc: {{Linear: [4, 2]}}\n"


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_our_nesting_limit_and_words_hold_whatever_the_yaml_library_does(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setattr(yaml_text, "LOADER", _LibyamlWithALimit)
    within = tmp_path / "within.yaml"  # 12 levels of Sequential: 25 YAML levels, fine
    within.write_text(_nested_sequentials(12))
    accepted = cli(command, str(within))
    assert accepted.exit_code == 0, accepted.stdout + accepted.stderr
    if command == "inspect":
        assert "s11.fc" in cli(command, str(within), "-f", "json").stdout
    beyond = CORPUS / "nesting_70.yaml"
    refused = cli(command, str(beyond))
    said = refused.stderr if command == "inspect" else refused.stdout
    assert refused.exit_code == 2
    assert f"{beyond}:2: " in said
    assert "the spec nests more than 64 levels deep" in said
    assert "exceeded maximum nesting depth" not in said


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_nesting_200_000_levels_deep_is_refused_not_a_crash(tmp_path: Path, command: str) -> None:
    # libyaml's composer recurses in C: this file, composed, kills the interpreter.
    spec = tmp_path / "deep.yaml"
    spec.write_text("model:\n  fc: {Linear: " + "[" * 200_000 + "]" * 200_000 + "}\n")
    result = subprocess.run(
        [sys.executable, "-m", "linearcli", command, str(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    said, error = (
        (result.stderr, "error:") if command == "inspect" else (result.stdout, "error[spec-error]")
    )
    assert f"{spec}:2: {error} the spec nests more than 64 levels deep" in said


def test_a_directory_named_like_a_spec(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "model.yaml").mkdir()
    result = cli("inspect", str(tmp_path / "model.yaml"))
    assert (result.exit_code, result.stderr) == (
        2,
        f"{tmp_path / 'model.yaml'}: error: not a file\n",
    )
    checked = cli("check", str(tmp_path))  # check searches it and finds no spec
    assert (checked.exit_code, checked.stdout) == (
        0,
        "linearcli: 0 specs checked: 0 errors, 0 warnings\n",
    )
