"""A model that cannot be built gets a fix where its constructor's arguments say what."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from torch import nn

from linearcli.build_fixes import build_fix
from linearcli.errors import BuildError
from linearcli.pipeline import inspect_spec

Write = Callable[[str, str], Path]


def raised(make: Callable[[], object]) -> BaseException:
    try:
        make()
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("it built")


@pytest.mark.parametrize(
    ("embed", "heads", "fix"),
    [
        (80, 6, "use 5 heads of 16 or 8 heads of 10, or an embed_dim that 6 divides: 78 or 84"),
        (100, 3, "use 2 heads of 50 or 4 heads of 25, or an embed_dim that 3 divides: 99 or 102"),
        (7, 2, "use 7 heads of 1, or an embed_dim that 2 divides: 6 or 8"),
        (3, 4, "use 3 heads of 1, or an embed_dim that 4 divides: 4"),
    ],
)
def test_heads_that_do_not_divide_the_embedding(embed: int, heads: int, fix: str) -> None:
    exc = raised(lambda: nn.MultiheadAttention(embed, heads))
    assert build_fix(exc) == f"{embed} is not divisible by {heads} heads: {fix}"
    nested = raised(lambda: nn.TransformerEncoderLayer(embed, heads))
    assert build_fix(nested) == build_fix(exc)


def test_other_build_failures_have_no_made_up_fix() -> None:
    assert build_fix(raised(lambda: nn.Linear(-1, 3))) is None
    assert build_fix(raised(lambda: nn.Conv2d(3, 8, kernel_size=0))) is None


def test_the_build_error_carries_the_fix(write: Write) -> None:
    path = write(
        "enc.py",
        "from torch import nn\n\n\ndef build_model():\n    return nn.MultiheadAttention(96, 5)\n",
    )
    with pytest.raises(BuildError) as caught:
        inspect_spec(str(path))
    assert caught.value.location == f"{path}:5"
    assert str(caught.value).endswith(
        "(fix: 96 is not divisible by 5 heads: use 4 heads of 24 or 6 heads of 16, "
        "or an embed_dim that 5 divides: 95 or 100)"
    )
