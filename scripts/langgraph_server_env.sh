#!/usr/bin/env bash
# Install LangGraph Server (langgraph-cli[inmem], langgraph-api) into .venv-langgraph, an overlay
# put in front of .venv on PYTHONPATH for the `langgraph dev` process only (see the lock file's header).
# Idempotent: returns at once when the lock is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=requirements-langgraph-server.lock
stamp=.venv-langgraph/.installed
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
rm -rf .venv-langgraph
.venv/bin/python -m pip install --quiet --no-deps --target .venv-langgraph -r "$lock"
echo "$want" > "$stamp"
echo "LangGraph Server ready: PYTHONPATH=.venv-langgraph:. .venv/bin/python -m langgraph_cli dev"
