from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from linearcli.config import Config, find_config, load_config
from linearcli.errors import SpecError
from linearcli.options import RunOptions

from .conftest import Result


def write_config(directory: Path, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pyproject.toml"
    path.write_text(f"[project]\nname = 'x'\n\n{body}\n", encoding="utf-8")
    return path


def test_found_by_walking_up_to_the_closest_with_a_linearcli_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = write_config(tmp_path, "[tool.linearcli]\nseed = 1\n")
    write_config(tmp_path / "pkg", "[tool.other]\nx = 1\n")  # no [tool.linearcli]: passed over
    deep = tmp_path / "pkg" / "models" / "deep"
    deep.mkdir(parents=True)
    assert find_config(deep) == outer
    monkeypatch.chdir(deep)
    assert load_config().seed == 1


def test_no_config_is_all_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()
    assert Config().run_options("x.yaml") == RunOptions()


def test_every_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(
        tmp_path,
        """
        [tool.linearcli]
        device = "meta"
        dtype = "float64"
        seed = 7
        batch-size = 4
        strict = true
        allow-imports = true
        paths = ["specs", "models/cnn.py"]

        [tool.linearcli.inputs]
        "models/cnn.py" = [3, 32, 32]
        "models/pair.py" = [[3], [5]]
        """.replace("\n        ", "\n"),
    )
    monkeypatch.chdir(tmp_path / ".")
    (tmp_path / "models").mkdir()
    config = load_config()
    assert (config.path, config.device, config.dtype, config.seed) == (
        "pyproject.toml",
        "meta",
        "float64",
        7,
    )
    assert (config.batch_size, config.strict, config.allow_imports) == (4, True, True)
    assert config.paths == ("specs", str(Path("models") / "cnn.py"))
    assert config.inputs_for("models/cnn.py") == ((3, 32, 32),)
    assert config.inputs_for("models/cnn.py:Net") == ((3, 32, 32),)
    assert config.inputs_for(str(tmp_path / "models" / "pair.py")) == ((3,), (5,))
    assert config.inputs_for("models/other.py") == ()
    options = config.run_options("models/cnn.py")
    assert options == RunOptions(
        device="meta",
        dtype="float64",
        seed=7,
        default_batch_size=4,
        input_shapes=((3, 32, 32),),
        allow_imports=True,
    )


def test_a_configured_batch_size_leaves_example_input_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Result]
) -> None:
    write_config(tmp_path, "[tool.linearcli]\nbatch-size = 8\n")
    (tmp_path / "net.py").write_text(
        "import torch\nfrom torch import nn\n\nmodel = nn.Linear(4, 2)\n"
        "example_input = torch.zeros(3, 4)\n"
    )
    (tmp_path / "mlp.yaml").write_text(
        "input: {shape: [4], batch_size: 5}\nmodel:\n  fc: {Linear: [4, 2]}\n"
    )
    monkeypatch.chdir(tmp_path)
    python = cli("inspect", "net.py", "-f", "json")
    assert python.exit_code == 0, python.stderr
    assert python.json()["inputs"] == [[3, 4]]  # example_input's own batch
    assert cli("inspect", "mlp.yaml", "-f", "json").json()["inputs"] == [[8, 4]]
    assert cli("inspect", "net.py", "-i", "4", "-f", "json").json()["inputs"] == [[8, 4]]
    flagged = cli("inspect", "net.py", "--batch-size", "6")  # typed, so it must be heard
    assert flagged.exit_code == 2
    assert "--batch-size needs --input-shape" in flagged.stderr


def test_flags_override_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, '[tool.linearcli]\ndevice = "meta"\nseed = 7\nallow-imports = true\n')
    monkeypatch.chdir(tmp_path)
    options = load_config().run_options(
        "m.py", device="cpu", seed=0, batch_size=3, input_shapes=((8,),), allow_imports=False
    )
    assert (options.device, options.seed, options.batch_size) == ("cpu", 0, 3)
    assert (options.input_shapes, options.allow_imports) == (((8,),), False)


def test_config_paths_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, '[tool.linearcli]\npaths = ["specs"]\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert load_config().paths == (str(Path("..") / "specs"),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            "[tool.linearcli]\ndevices = 'cpu'\nstrictt = 1\n",
            "unknown keys in [tool.linearcli]: devices, strictt",
            id="unknown",
        ),
        pytest.param(
            "[tool.linearcli]\nseed = 'x'\n", "seed must be a whole number from 0", id="seed"
        ),
        pytest.param(
            "[tool.linearcli]\nseed = true\n", "seed must be a whole number from 0", id="seed-bool"
        ),
        pytest.param(
            "[tool.linearcli]\nseed = -1\n", "seed must be a whole number from 0", id="seed-neg"
        ),
        pytest.param(
            f"[tool.linearcli]\nbatch-size = {2**40}\n",
            "batch-size must be a positive integer up to 2,147,483,648",
            id="batch-huge",
        ),
        pytest.param(
            "[tool.linearcli]\nexclude = 'x'\n", "exclude must be a list of patterns", id="exclude"
        ),
        pytest.param(
            "[tool.linearcli]\nbatch-size = 0\n",
            "batch-size must be a positive integer",
            id="batch",
        ),
        pytest.param(
            "[tool.linearcli]\ndtype = 'int8'\n", "dtype must be one of float32", id="dtype"
        ),
        pytest.param(
            "[tool.linearcli]\nstrict = 'yes'\n", "strict must be true or false", id="strict"
        ),
        pytest.param(
            "[tool.linearcli]\npaths = 'specs'\n", "paths must be a list of paths", id="paths"
        ),
        pytest.param(
            "[tool.linearcli.inputs]\n'a.py' = [3, 0]\n", "'a.py' must be a shape", id="inputs"
        ),
        pytest.param("[tool.linearcli\n", "invalid TOML", id="toml"),
    ],
)
def test_bad_config_is_a_spec_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    if body.startswith("[tool.linearcli\n"):
        (tmp_path / "pyproject.toml").write_text("[tool.linearcli\n")
    else:
        write_config(tmp_path, body)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")) as caught:
        load_config()
    assert caught.value.path == "pyproject.toml"
