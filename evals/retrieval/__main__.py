"""``python -m evals.retrieval ...`` is ``copydesk eval retrieval ...`` (one definition, in evals/cli.py)."""

from __future__ import annotations

import sys

from evals.cli import app

if __name__ == "__main__":
    app(["retrieval", *sys.argv[1:]], prog_name="python -m evals.retrieval")
