"""Production model profiles: how to launch vLLM for copydesk, and how to point copydesk at it.

A profile names a quantised checkpoint (AWQ, GPTQ or FP8), the vLLM flags that fit
it on one GPU, and the copydesk settings that go with it (model name, per-task
routes). ``copydesk llm command PROFILE`` prints both, so the launch line and the
client configuration cannot drift apart. Profiles are data; nothing here starts a GPU.
Routing several tasks to different models (``COPYDESK_LLM_ROUTES``) needs one server
per model behind a router, or vLLM LoRA adapters served under their own names.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal

Quantization = Literal["awq", "gptq", "fp8"]


@dataclass(frozen=True)
class VLLMProfile:
    """One way to serve a model with vLLM's OpenAI-compatible server."""

    name: str
    model: str
    quantization: Quantization
    served_name: str
    description: str
    max_model_len: int = 16384
    gpu_memory_utilization: float = 0.90
    dtype: str = "auto"
    extra_args: tuple[str, ...] = ()

    def command(self, host: str = "0.0.0.0", port: int = 8000) -> list[str]:
        """The ``vllm serve`` argv (structured output is on by default in vLLM's server)."""
        return [
            "vllm",
            "serve",
            self.model,
            "--served-model-name",
            self.served_name,
            "--quantization",
            self.quantization,
            "--dtype",
            self.dtype,
            "--max-model-len",
            str(self.max_model_len),
            "--gpu-memory-utilization",
            f"{self.gpu_memory_utilization:.2f}",
            "--host",
            host,
            "--port",
            str(port),
            *self.extra_args,
        ]

    def settings(self, base_url: str) -> dict[str, str]:
        """The ``COPYDESK_*`` variables that make copydesk use this server."""
        return {
            "COPYDESK_LLM_BASE_URL": base_url,
            "COPYDESK_LLM_MODEL": self.served_name,
            "COPYDESK_LLM_JSON_DIALECT": "json_schema",
            "COPYDESK_LLM_CAPABLE": "true",
        }

    def shell(self, host: str = "0.0.0.0", port: int = 8000) -> str:
        return shlex.join(self.command(host, port))


PROFILES: dict[str, VLLMProfile] = {
    profile.name: profile
    for profile in (
        VLLMProfile(
            name="qwen2.5-7b-awq",
            model="Qwen/Qwen2.5-7B-Instruct-AWQ",
            quantization="awq",
            served_name="qwen2.5-7b",
            description="4-bit AWQ, German and English; fits a 24 GB GPU with room for 16k context.",
        ),
        VLLMProfile(
            name="qwen2.5-32b-gptq",
            model="Qwen/Qwen2.5-32B-Instruct-GPTQ-Int4",
            quantization="gptq",
            served_name="qwen2.5-32b",
            description="4-bit GPTQ; the quality tier for long SEO articles (one 48-80 GB GPU).",
            max_model_len=32768,
        ),
        VLLMProfile(
            name="llama3.1-8b-fp8",
            model="neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8",
            quantization="fp8",
            served_name="llama3.1-8b",
            description="FP8 weights for Hopper/Ada GPUs (H100, H200, L40S); fast drafting.",
        ),
    )
}


def get_profile(name: str) -> VLLMProfile:
    try:
        return PROFILES[name]
    except KeyError as exc:
        raise KeyError(f"unknown profile {name!r}; choose one of {', '.join(sorted(PROFILES))}") from exc
