"""``copydesk doctor``: what a new installation still lacks before a run can succeed.

Each check says what is wrong and the command or setting that fixes it. A check that
cannot run (no store yet) reports that instead of failing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.settings import Settings


@dataclass(frozen=True)
class Check:
    """One finding: ``ok`` or not, and what to do."""

    name: str
    ok: bool
    detail: str


def _documents(settings: Settings) -> list[Check]:
    from app.services import build_library

    library = build_library(settings)
    try:
        records = library.list()
    finally:
        library.close()
    approved = [r.document for r in records if r.document.approval_status.value == "approved"]
    drafts = [r for r in records if r.document.approval_status.value == "draft"]
    if not records:
        return [
            Check("documents", False, "no documents: copydesk ingest PATH [--approve] (or --mapping for a catalogue)")
        ]
    by_lang = {lang: sum(d.language == lang for d in approved) for lang in ("de", "en")}
    if not approved:
        return [
            Check(
                "documents",
                False,
                f"{len(records)} documents stored, none approved ({len(drafts)} draft): "
                "copydesk docs approve ID ... (see copydesk docs list --status draft)",
            )
        ]
    detail = f"{len(approved)} approved (de {by_lang['de']}, en {by_lang['en']}), {len(drafts)} draft"
    return [Check("documents", True, detail)]


def _guidelines(settings: Settings) -> Check:
    from app.services import guidelines_dir

    chosen = settings.brand().guidelines_document_id
    folder = guidelines_dir(settings)
    present = sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []
    if chosen:
        if chosen in present:
            terms = json.loads((folder / f"{chosen}.json").read_text(encoding="utf-8")).get("banned_terms") or []
            return Check("guidelines", True, f"{chosen} ({len(terms)} banned terms)")
        return Check(
            "guidelines",
            False,
            f"COPYDESK_GUIDELINES_DOCUMENT_ID={chosen} is not an approved guidelines document: ingest it with "
            "doc_type: guidelines and approve it",
        )
    if present:
        return Check("guidelines", True, "approved guidelines: " + ", ".join(present))
    return Check(
        "guidelines",
        False,
        "no approved brand guidelines (doc_type: guidelines with banned_terms / banned_claims): the guards check "
        "no brand rules",
    )


def _company(settings: Settings) -> Check:
    brand = settings.brand()
    if not brand.company_name:
        return Check("company", False, "no company name: set COPYDESK_COMPANY_NAME (or per tenant in COPYDESK_BRANDS)")
    extra = f", {len(brand.brand_voice)} voice line(s)" + (", audience set" if brand.audience else "")
    return Check(
        "company", True, f"{brand.company_name} (tenant {settings.tenant}, default {brand.default_language}{extra})"
    )


def _endpoint(settings: Settings) -> Check:
    from serving.embedded import EmbeddedServerError, is_healthy, smollm2_gguf_path

    if settings.llm_base_url:
        urls = [settings.llm_base_url, *settings.llm_fallback_base_urls]
        reachable = [u for u in urls if is_healthy(u, timeout_s=3.0)]
        if not reachable:
            return Check("model", False, f"model endpoint not reachable: {', '.join(urls)} (GET /models failed)")
        return Check("model", True, f"{reachable[0]} answers ({settings.llm_model})")
    try:
        path = smollm2_gguf_path()
    except EmbeddedServerError as exc:
        return Check("model", False, str(exc))
    return Check("model", True, f"embedded llama.cpp with {path.name} (started on first use; a plumbing model)")


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a new user fixes them."""
    return [_company(settings), *_documents(settings), _guidelines(settings), _endpoint(settings)]
