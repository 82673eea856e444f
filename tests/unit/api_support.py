"""Building the HTTP app in tests: settings in a temporary data dir, clients that are local or carry a key."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api import create_app
from app.auth import KeyStore
from app.runner import DraftRunner
from app.settings import Settings

LOCAL = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_for(runner: DraftRunner | None, root: Path, **settings: Any) -> FastAPI:
    """The real app over a test runner; keys, sessions and audit in ``root/data``."""

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield runner  # type: ignore[misc]

    return create_app(factory, settings=Settings(data_dir=root / "data", **settings))


def local_client(app: FastAPI, **kwargs: Any) -> TestClient:
    """A client on the loopback interface (single-user mode applies while no key exists)."""
    return TestClient(app, base_url="http://127.0.0.1", client=LOCAL, **kwargs)


def remote_client(app: FastAPI, **kwargs: Any) -> TestClient:
    """A client from another machine: it needs a key whatever the mode."""
    return TestClient(app, base_url="http://127.0.0.1", client=REMOTE, **kwargs)


def keys_of(app: FastAPI) -> KeyStore:
    store: KeyStore = app.state.keys
    return store


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def csrf_from(http: TestClient, path: str = "/login", **kwargs: Any) -> str:
    """The form token a page hands this client (the client keeps the CSRF cookie)."""
    page = http.get(path, **kwargs)
    match = _CSRF.search(page.text)
    assert match, f"no csrf_token in {path} ({page.status_code})"
    return match.group(1)
