"""Shared fixtures: telemetry off, a small corpus, and graph services with a scripted model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.telemetry import disable_telemetry

disable_telemetry()


def _loopback_test_clients() -> None:
    """``TestClient(app)`` talks from 127.0.0.1 to http://127.0.0.1 unless a test says otherwise.

    Starlette's defaults (client ``testclient``, host ``testserver``) are neither loopback nor a
    configured public name, so the security gate (issue 10) would refuse them; with these, an API
    test runs in single-user mode like ``copydesk serve`` on a laptop. Tests of remote callers pass
    ``client=`` and ``base_url=`` explicitly (``tests/unit/api_support.py``).
    """
    import functools

    from starlette.testclient import TestClient

    original = TestClient.__init__
    if getattr(original, "_copydesk_loopback", False):
        return

    @functools.wraps(original)
    def init(self: TestClient, app: object, base_url: str = "http://127.0.0.1", *args: object, **kw: object) -> None:
        kw.setdefault("client", ("127.0.0.1", 50000))
        original(self, app, base_url, *args, **kw)  # type: ignore[arg-type]

    init._copydesk_loopback = True  # type: ignore[attr-defined]
    TestClient.__init__ = init  # type: ignore[method-assign]


_loopback_test_clients()

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("COPYDESK_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

KETTLE_EN = """---
id: kettle-k1-en
title: Acme Kettle K1
language: en
approval_status: approved
version: 2
doc_type: product_page
product_ids: [ACME-K1]
---
# Acme Kettle K1

## Price
The Acme Kettle K1 costs 49.90 EUR.

## Technical data
The Acme Kettle K1 holds 1.7 litres and has a power of 2200 W. The warranty lasts 24 months.
"""

KETTLE_DRAFT_DOC = """---
id: kettle-k2-secret
title: Acme Kettle K2 (unreleased)
language: en
approval_status: draft
doc_type: product_page
product_ids: [ACME-K2]
---
# Acme Kettle K2

The Acme Kettle K2 codename Nebelhorn costs 79.90 EUR and boils water.
"""

KETTLE_DE = """---
id: kettle-k1-de
title: Acme Wasserkocher K1
language: de
approval_status: approved
doc_type: product_page
product_ids: [ACME-K1]
---
# Acme Wasserkocher K1

## Preis
Der Acme Wasserkocher K1 kostet 49,90 €.
"""


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kettle.en.md").write_text(KETTLE_EN, encoding="utf-8")
    (folder / "kettle-k2.en.md").write_text(KETTLE_DRAFT_DOC, encoding="utf-8")
    (folder / "kettle.de.md").write_text(KETTLE_DE, encoding="utf-8")
    return folder


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def shared_data() -> Iterator[Path]:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")
    yield SHARED_DATA
