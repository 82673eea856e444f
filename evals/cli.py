"""``copydesk eval ...``: benchmark commands, plugged into the CLI through an entry point.

The production CLI discovers this Typer app via the ``copydesk.cli`` entry-point group,
so production code never imports ``evals``.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: retrieval, PII, fact-check, RAGAS, end-to-end demo figures.", no_args_is_help=True)
