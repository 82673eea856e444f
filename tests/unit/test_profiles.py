"""vLLM profiles (serving/vllm/*.yaml): launch lines, matching copydesk settings, the CLI that starts them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app import cli
from app.llm_services import build_registry
from app.settings import Settings
from serving.profiles import PROFILES, ProfileError, get_profile, profile_from_dict

CHAT = sorted(name for name, p in PROFILES.items() if not p.is_embeddings)


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_required_profiles_exist_as_files() -> None:
    quantized = {p.quantization for p in PROFILES.values()}
    assert {"awq_marlin", "gptq_marlin", "fp8"} <= quantized
    assert any(p.is_embeddings for p in PROFILES.values()) and any(p.lora for p in PROFILES.values())
    assert {"qwen2.5-7b-awq", "llama3.1-8b-fp8", "qwen2.5-14b-awq"} <= set(PROFILES)


@pytest.mark.parametrize("name", CHAT)
def test_profile_command_and_settings_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = get_profile(name)
    argv = profile.command(port=9000)
    module = ["python", "-m", "vllm.entrypoints.openai.api_server", "--model", profile.model]
    assert argv[:3] == ["vllm", "serve", profile.model] or argv[:5] == module
    assert flag(argv, "--served-model-name") == profile.served_name
    assert flag(argv, "--max-model-len") == str(profile.max_model_len)
    assert flag(argv, "--max-num-seqs") == str(profile.max_num_seqs)
    assert ("--enable-prefix-caching" in argv) is profile.enable_prefix_caching
    if profile.quantization:
        assert flag(argv, "--quantization") == profile.quantization
    for key, value in profile.settings("http://gpu:9000/v1").items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.llm_model == profile.served_name and settings.llm_json_dialect == "json_schema"
    assert settings.llm_base_url == "http://gpu:9000/v1" and settings.llm_capable is True


@pytest.mark.parametrize("name", CHAT)
def test_profile_registry_entry_is_a_valid_registry(name: str, tmp_path) -> None:
    profile = get_profile(name)
    entry = profile.registry_entry("http://gpu:9000/v1")
    registry = build_registry(Settings(data_dir=tmp_path, llm_endpoints=[entry], llm_fallback_base_urls=["embedded"]))
    chain = registry.chain("draft")
    assert chain[0].model == profile.served_name and chain[-1].label() == "embedded"


def test_lora_profile_serves_one_adapter_per_brand_and_the_client_picks_it() -> None:
    profile = get_profile("llama3.1-8b-lora")
    argv = profile.command()
    assert "--enable-lora" in argv and flag(argv, "--max-loras") == "4"
    assert argv.count("--lora-modules") == 1
    start = argv.index("--lora-modules") + 1
    modules = argv[start : argv.index("--host")]
    assert "llama3.1-8b-acme=/models/lora/acme-voice" in modules
    entry = profile.registry_entry("http://gpu/v1")
    registry = build_registry(Settings(llm_endpoints=[entry]))
    endpoint = registry.chain("draft")[0]
    assert endpoint.model_for("draft", "x", {}, brand="acme") == "llama3.1-8b-acme"
    assert endpoint.model_for("rewrite", "x", {}, brand="acme") == "llama3.1-8b"
    assert endpoint.model_for("draft", "x", {}, brand="unknown") == "llama3.1-8b"


def test_embeddings_profile_runs_vllm_as_a_pooling_model() -> None:
    profile = get_profile("multilingual-e5-large-embed")
    argv = profile.command()
    assert flag(argv, "--runner") == "pooling" and flag(argv, "--convert") == "embed"
    assert "COPYDESK_EMBEDDINGS_BASE_URL" in profile.settings("http://gpu/v1")


def test_plain_awq_and_unknown_keys_are_refused() -> None:
    base = {"name": "x", "model": "m", "served_name": "m", "description": "d"}
    with pytest.raises(ProfileError, match="slow kernel"):
        profile_from_dict({**base, "quantization": "awq"})
    with pytest.raises(ProfileError, match="unknown profile key"):
        profile_from_dict({**base, "quantisation": "fp8"})


def test_models_serve_dry_run_and_llm_command_read_the_same_files() -> None:
    runner = CliRunner()
    dry = runner.invoke(cli.app, ["models", "serve", "qwen2.5-7b-awq", "--dry-run", "--port", "9001"])
    assert dry.exit_code == 0, dry.output
    assert get_profile("qwen2.5-7b-awq").shell(port=9001) in dry.output
    endpoints = json.loads(dry.output.split("export COPYDESK_LLM_ENDPOINTS='")[1].split("'")[0])
    assert endpoints[0]["model"] == "qwen2.5-7b-awq" and endpoints[0]["base_url"] == "http://localhost:9001/v1"
    shown = runner.invoke(cli.app, ["llm", "command", "llama3.1-8b-fp8", "--port", "9001"])
    assert shown.exit_code == 0 and get_profile("llama3.1-8b-fp8").shell(port=9001) in shown.output
    assert "export COPYDESK_LLM_MODEL='llama3.1-8b-fp8'" in shown.output
    listed = runner.invoke(cli.app, ["models", "list"])
    assert listed.exit_code == 0 and "qwen2.5-14b" in listed.output and "awq_marlin" in listed.output
    unknown = runner.invoke(cli.app, ["llm", "command", "gpt-9"])
    assert unknown.exit_code == 2 and "unknown profile" in unknown.output
    unknown = runner.invoke(cli.app, ["models", "serve", "gpt-9", "--dry-run"])
    assert unknown.exit_code == 2 and "unknown profile" in unknown.output
