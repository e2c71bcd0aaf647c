"""The ``linearcli`` command: a thin shell around :mod:`linearcli.pipeline`.

torch is never imported at module level here: ``--help``, ``--version`` and spec
errors stay fast. Exit codes are chosen in one place, :func:`app.exit_codes`.
"""

from linearcli.cli import cmd_check, cmd_explain, cmd_inspect  # noqa: F401 (they register)
from linearcli.cli.app import BUG_REPORT_LINE, app, main, run

__all__ = ["BUG_REPORT_LINE", "app", "main", "run"]
