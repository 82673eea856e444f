"""Tracing setup: Langfuse when keys are configured, otherwise nothing leaves the process.

Nodes and LLM calls emit OpenTelemetry spans (see ``graphs.draft.tracing`` and
``serving.client``). Langfuse 5 is OpenTelemetry-based: constructing its client
registers an exporter for those spans. Without keys no provider is installed and
spans are no-ops; tests install an in-memory exporter instead.
"""

from __future__ import annotations

import os

from app.settings import Settings

_configured = False


def setup_tracing(settings: Settings) -> bool:
    """Enable Langfuse export if keys are set; returns whether tracing is on."""
    global _configured
    if _configured:
        return True
    if not (settings.langfuse_public_key and settings.langfuse_secret_key):
        return False
    os.environ.setdefault("LANGFUSE_PUBLIC_KEY", settings.langfuse_public_key)
    os.environ.setdefault("LANGFUSE_SECRET_KEY", settings.langfuse_secret_key)
    if settings.langfuse_host:
        os.environ.setdefault("LANGFUSE_HOST", settings.langfuse_host)
    from langfuse import get_client

    get_client()
    _configured = True
    return True
