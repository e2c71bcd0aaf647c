"""The local files a Python spec imports, found with ast and never run."""

from __future__ import annotations

from pathlib import Path

import pytest

from linearcli.imports import ImportGraph, module_file

INIT = "models/__init__.py"  # a relative import runs its package's __init__ first


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def dependencies(root: Path, spec: str) -> list[str]:
    found = ImportGraph(root).dependencies(root / spec)
    assert found.complete
    return sorted(path.relative_to(root.resolve()).as_posix() for path in found.files)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param("from layers import Block", ["models/layers.py"], id="from-neighbour"),
        pytest.param("import layers", ["models/layers.py"], id="import-neighbour"),
        pytest.param("from .layers import Block", [INIT, "models/layers.py"], id="relative"),
        pytest.param("from . import layers", [INIT, "models/layers.py"], id="relative-module"),
        pytest.param(
            "import models.layers", ["models/__init__.py", "models/layers.py"], id="from-root"
        ),
        pytest.param(
            "from models import layers", ["models/__init__.py", "models/layers.py"], id="submodule"
        ),
        pytest.param(
            "from models.layers import Block as B",
            ["models/__init__.py", "models/layers.py"],
            id="from-root-as",
        ),
        pytest.param(
            "def build():\n    from layers import Block\n", ["models/layers.py"], id="in-function"
        ),
        pytest.param(
            "try:\n    import layers\nexcept ImportError:\n    pass\n",
            ["models/layers.py"],
            id="in-try",
        ),
        pytest.param("import torch, yaml, os.path", [], id="installed-and-stdlib"),
        pytest.param("from .missing import x", [INIT], id="missing"),  # the package still runs
        pytest.param("from ..util import helper", ["util.py"], id="two-levels-up"),
        pytest.param("from .layers import *", [INIT, "models/layers.py"], id="star"),
    ],
)
def test_import_forms(tmp_path: Path, statement: str, expected: list[str]) -> None:
    write(
        tmp_path,
        {
            "models/__init__.py": "",
            "models/net.py": f"{statement}\n",
            "models/layers.py": "class Block: ...\n",
            "util.py": "def helper(): ...\n",
        },
    )
    assert dependencies(tmp_path, "models/net.py") == sorted(["models/net.py", *expected])


def test_followed_transitively_and_cycles_end(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "models/net.py": "from layers import Block\n",
            "models/layers.py": "import blocks.conv\n",
            "blocks/conv.py": "from . import norm\n",
            "blocks/norm.py": "from .conv import x\nimport models.layers\n",  # a cycle back
            "blocks/unused.py": "",
        },
    )
    assert dependencies(tmp_path, "models/net.py") == [
        "blocks/conv.py",
        "blocks/norm.py",
        "models/layers.py",
        "models/net.py",
    ]


def test_a_file_imports_itself(tmp_path: Path) -> None:
    write(tmp_path, {"net.py": "import net\nfrom . import net\n"})
    assert dependencies(tmp_path, "net.py") == ["net.py"]


def test_a_package_wins_over_a_module_of_the_same_name(tmp_path: Path) -> None:
    write(tmp_path, {"net.py": "import layers\n", "layers.py": "", "layers/__init__.py": ""})
    assert dependencies(tmp_path, "net.py") == ["layers/__init__.py", "net.py"]


def test_site_packages_and_environments_are_never_followed(tmp_path: Path) -> None:
    # pyyaml is installed; a project-root lookup only ever sees the project's own files
    write(tmp_path, {"net.py": "import yaml\nimport pytest\n"})
    assert dependencies(tmp_path, "net.py") == ["net.py"]


def test_a_file_that_cannot_be_parsed_makes_the_graph_incomplete(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.py": "import helper\n",
            "helper.py": "def broken(:\n",
            "warns.py": "import helper\nx = '\\d'\n",  # an invalid escape: a warning only
        },
    )
    found = ImportGraph(tmp_path).dependencies(tmp_path / "net.py")
    assert found.complete is False
    assert sorted(p.name for p in found.files) == ["helper.py", "net.py"]
    warns = ImportGraph(tmp_path).dependencies(tmp_path / "warns.py")
    assert sorted(p.name for p in warns.files) == ["helper.py", "warns.py"]


def test_module_file(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "", "top.py": ""})
    assert module_file(tmp_path, "pkg.mod") == (tmp_path / "pkg" / "mod.py").resolve()
    assert module_file(tmp_path, "pkg") == (tmp_path / "pkg" / "__init__.py").resolve()
    assert module_file(tmp_path, "top") == (tmp_path / "top.py").resolve()
    assert module_file(tmp_path, "absent") is None
