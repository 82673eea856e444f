"""Hybrid stores: the embedded index (default) and Weaviate, behind one :class:`HybridStore` protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from tools.stores.base import HybridStore


def open_store(kind: Literal["embedded", "weaviate"], **kwargs: Any) -> HybridStore:
    """Open a store by settings name.

    ``embedded``: ``path`` (index directory). ``weaviate``: ``url`` plus the keyword
    arguments of :meth:`tools.stores.weaviate_store.WeaviateHybridStore.connect`.
    Backends are imported lazily so the embedded path never loads weaviate-client.
    """
    if kind == "embedded":
        from tools.stores.embedded import EmbeddedHybridStore

        return EmbeddedHybridStore(Path(kwargs.pop("path")), **kwargs)
    if kind == "weaviate":
        from tools.stores.weaviate_store import WeaviateHybridStore

        return WeaviateHybridStore.connect(**kwargs)
    raise ValueError(f"unknown store kind {kind!r}; expected 'embedded' or 'weaviate'")
