"""vLLM profiles: launch lines and matching copydesk settings."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app import cli
from app.settings import Settings
from serving.profiles import PROFILES, get_profile


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profile_command_and_settings_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = get_profile(name)
    argv = profile.command(port=9000)
    assert argv[:3] == ["vllm", "serve", profile.model]
    assert argv[argv.index("--quantization") + 1] == profile.quantization in {"awq", "gptq", "fp8"}
    assert argv[argv.index("--served-model-name") + 1] == profile.served_name
    for key, value in profile.settings("http://gpu:9000/v1").items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.llm_model == profile.served_name and settings.llm_json_dialect == "json_schema"
    assert settings.llm_base_url == "http://gpu:9000/v1" and settings.llm_capable is True


def test_cli_prints_a_profile_and_refuses_unknown_ones() -> None:
    runner = CliRunner()
    shown = runner.invoke(cli.app, ["llm", "command", "llama3.1-8b-fp8", "--port", "9001"])
    assert shown.exit_code == 0 and "vllm serve" in shown.output and "--port 9001" in shown.output
    assert "export COPYDESK_LLM_MODEL='llama3.1-8b'" in shown.output
    unknown = runner.invoke(cli.app, ["llm", "command", "gpt-9"])
    assert unknown.exit_code == 2 and "unknown profile" in unknown.output
