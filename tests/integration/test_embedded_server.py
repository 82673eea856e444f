"""The embedded llama.cpp server: start, health, reuse, stop; structured output in llama.cpp's dialect."""

from __future__ import annotations

import socket

import pytest
from pydantic import BaseModel, Field

from serving.client import Endpoint, LLMClient
from serving.embedded import MODEL_ALIAS, EmbeddedServer, EmbeddedServerConfig, is_healthy, smollm2_gguf_path
from serving.structured import StructuredClient

pytestmark = pytest.mark.e2e


class Tagline(BaseModel):
    tagline: str = Field(min_length=3, max_length=60)
    keywords: list[str] = Field(min_length=1, max_length=3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_start_reuse_and_stop(tmp_path) -> None:
    assert smollm2_gguf_path().suffix == ".gguf"
    config = EmbeddedServerConfig(port=free_port(), log_path=tmp_path / "server.log")
    owner = EmbeddedServer(config)
    url = owner.ensure_running()
    try:
        assert owner.started_here and is_healthy(url)
        guest = EmbeddedServer(config)
        assert guest.ensure_running() == url and not guest.started_here, "a running server is reused"
        guest.stop()
        assert is_healthy(url), "stopping a reused server must leave it running"

        client = StructuredClient(LLMClient([Endpoint(url, dialect="json_object")], MODEL_ALIAS))
        answer = client.generate(
            "rewrite",
            [{"role": "user", "content": "Write a tagline and keywords for a smart thermostat as JSON."}],
            Tagline,
            max_tokens=120,
        )
        assert 3 <= len(answer.tagline) <= 60 and 1 <= len(answer.keywords) <= 3
    finally:
        owner.stop()
    assert not is_healthy(url)
