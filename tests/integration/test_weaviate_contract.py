"""The full store contract against a live Weaviate; skipped unless WEAVIATE_URL is set.

Start one with ``docker compose up -d weaviate`` and run with
``WEAVIATE_URL=http://localhost:8080``. The contract tests are the same functions
as for the embedded store, parametrised over the ``weaviate`` backend only.
"""

from __future__ import annotations

import os

import pytest

pytestmark = [
    pytest.mark.weaviate,
    pytest.mark.skipif(not os.environ.get("WEAVIATE_URL"), reason="WEAVIATE_URL not set (docker compose up weaviate)"),
]

from tests.unit.test_store_contract import *  # noqa: E402,F403
from tests.unit.test_store_contract import BACKENDS  # noqa: E402


@pytest.fixture(params=["weaviate"])  # type: ignore[no-redef]
def backend(request, tmp_path):  # type: ignore[no-untyped-def,no-redef]
    store, reopen = BACKENDS[request.param](tmp_path)
    from tests.unit.test_store_contract import corpus

    chunks, vectors = corpus()
    store.upsert(chunks, vectors)
    yield store, reopen
    store.close()
