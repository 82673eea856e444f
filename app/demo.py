"""The bundled demo company: its corpus and brand settings live in ``demo/``, nowhere else.

``copydesk demo`` and the demo benchmark apply ``demo/brand.yaml`` explicitly, so the
code itself carries no company: a real installation names its own in settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.settings import Settings

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_CORPUS = DEMO_DIR / "corpus"
DEMO_BRAND = DEMO_DIR / "brand.yaml"
_BRAND_FIELDS = ("company_name", "brand_voice", "default_language", "audience", "guidelines_document_id")


def demo_brand() -> dict[str, Any]:
    """The demo's brand file as a mapping (company name, voice lines, audience, default brief)."""
    data = yaml.safe_load(DEMO_BRAND.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not data.get("company_name"):
        raise ValueError(f"{DEMO_BRAND} must be a mapping with a company_name")
    return data


def demo_brief() -> str:
    """The brief the demo drafts by default."""
    return str(demo_brand().get("brief") or "")


def demo_settings(settings: Settings) -> Settings:
    """``settings`` with the demo company's brand applied (per-tenant overrides dropped: the demo is one brand)."""
    brand = demo_brand()
    update: dict[str, Any] = {key: brand[key] for key in _BRAND_FIELDS if key in brand}
    update["brands"] = {}
    return settings.model_copy(update=update)
