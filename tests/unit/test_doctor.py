"""``copydesk doctor`` names what is missing: approved documents, guidelines, company name, model endpoint."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import cli
from app.doctor import run_checks
from app.services import build_ingest_pipeline, build_library
from app.settings import Settings, get_settings
from tests.fakes import HashingEmbedder
from tools.stores.embedded import EmbeddedHybridStore

GUIDELINES = """---
id: brand-rules
title: Brand rules
language: en
approval_status: approved
doc_type: guidelines
banned_terms: ["guaranteed"]
---
# Brand rules

Never promise results.
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _by_name(settings: Settings) -> dict[str, tuple[bool, str]]:
    return {c.name: (c.ok, c.detail) for c in run_checks(settings)}


def test_a_fresh_install_is_told_everything_it_lacks(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    checks = _by_name(settings)
    assert checks["company"][0] is False and "COPYDESK_COMPANY_NAME" in checks["company"][1]
    assert checks["documents"][0] is False and "copydesk ingest" in checks["documents"][1]
    assert checks["guidelines"][0] is False
    assert checks["model"][0] is False and "not reachable" in checks["model"][1]


def test_unapproved_documents_then_a_complete_setup(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "tent.md").write_text("# Tent\n\nThe tent sleeps two.\n", encoding="utf-8")
    (folder / "rules.md").write_text(GUIDELINES, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", company_name="Trailhead", guidelines_document_id="brand-rules")
    store = EmbeddedHybridStore(settings.index_dir)
    library = build_library(settings)
    build_ingest_pipeline(settings, store, HashingEmbedder(), library).ingest(folder / "tent.md")
    checks = _by_name(settings)
    assert checks["documents"][0] is False and "none approved (1 draft)" in checks["documents"][1]
    assert checks["guidelines"][0] is False and "brand-rules" in checks["guidelines"][1]

    build_ingest_pipeline(settings, store, HashingEmbedder(), library).ingest(folder)
    library.close()
    store.close()
    from tools.ingest.governed import GovernedLibrary  # approve the tent through the library

    store = EmbeddedHybridStore(settings.index_dir)
    library = build_library(settings)
    GovernedLibrary(build_ingest_pipeline(settings, store, HashingEmbedder(), library), library).approve(["tent"], "x")
    library.close()
    store.close()
    checks = _by_name(settings)
    assert checks["company"] == (True, checks["company"][1]) and "Trailhead" in checks["company"][1]
    assert checks["documents"][0] is True and "2 approved (de 0, en 2)" in checks["documents"][1]
    assert checks["guidelines"] == (True, "brand-rules (1 banned terms)")


def test_doctor_command_exits_non_zero_when_something_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.app, ["doctor"])
    get_settings.cache_clear()
    assert result.exit_code == 1
    assert "missing company" in " ".join(result.output.split())
