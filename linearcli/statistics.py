"""``check --statistics``: how many findings of each code, as ruff counts them."""

from __future__ import annotations

from collections import Counter

from linearcli.check_result import CheckResult
from linearcli.codes import findings

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def statistics_lines(result: CheckResult) -> list[str]:
    """``   3  in-features-mismatch  error``: one line per code, the most frequent first.

    A spec that could not be checked counts under its failure code (spec-error,
    build-error). A code found at two severities (not-called: warning when the layer is
    dead, info when the pass stopped before it) gets a line for each. Ties go by code.
    """
    counts = Counter((finding.code, finding.severity) for finding in findings(result))
    if not counts:
        return []
    rows = sorted(counts.items(), key=lambda row: (-row[1], row[0][0], _SEVERITY_ORDER[row[0][1]]))
    count_width = max(4, len(str(rows[0][1])))
    code_width = max(len(code) for code, _ in counts)
    return [
        f"{count:>{count_width}}  {code:<{code_width}}  {severity}"
        for (code, severity), count in rows
    ]
