"""``copydesk check`` and ``POST /v1/check``: existing copy checked with the graph's checker and guards."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app import cli
from app.api import create_app
from app.runner import DraftRunner
from app.settings import get_settings
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import GraphHarness, build_services

GOOD = "# Acme Kettle K1\n\nThe Acme Kettle K1 costs 49.90 EUR. It holds 1.7 litres.\n\nOrder yours today!\n"
BAD_HTML = (
    "<html><head><title>Kettle</title></head><body><h1>Acme Kettle K1</h1>"
    "<p>The Acme Kettle K1 costs 39.90 EUR and has a power of 2200 W.</p><p>It is guar\u200banteed to boil.</p>"
    "</body></html>"
)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    services = build_services(tmp_path / "store", ScriptedLLM({}))
    monkeypatch.setattr("app.services.build_services", lambda settings: services)
    monkeypatch.setattr("app.services.close_services", lambda s: None)
    yield CliRunner()
    services.store.close()
    get_settings.cache_clear()


def test_check_a_folder_exits_1_when_a_file_is_blocking(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "agency"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / "bad.html").write_text(BAD_HTML, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")  # not a text format: ignored inside a folder
    result = runner.invoke(cli.app, ["check", str(folder), "--lang", "en", "--json"])
    assert result.exit_code == 1, result.output
    reports = {Path(r["file"]).name: r for r in map(json.loads, result.output.strip().splitlines())}
    assert set(reports) == {"good.md", "bad.html"}
    assert reports["good.md"]["blocking"] is False
    good = reports["good.md"]["sentences"]
    assert [s["verdict"] for s in good if s["field"] == "sections[0].body"] == ["supported", "supported", "no_claim"]
    assert good[1]["evidence"]["chunk_id"] and good[1]["evidence"]["text"]
    bad = reports["bad.html"]
    assert bad["blocking"] is True
    wrong = [s for s in bad["sentences"] if "39.90" in s["text"]]
    assert wrong and wrong[0]["verdict"] == "contradicted" and "49.90" in wrong[0]["reason"]
    assert any(f["kind"] == "banned_term" and f["blocking"] for f in bad["findings"])


def test_check_clean_file_exits_0_with_a_table(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "good.md"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(cli.app, ["check", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "supported" in result.output and "kettle-k1-en" in result.output


def test_check_bad_input_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli.app, ["check", str(tmp_path / "missing.md")]).exit_code == 2
    (tmp_path / "x.md").write_text(GOOD, encoding="utf-8")
    result = runner.invoke(cli.app, ["check", str(tmp_path / "x.md"), "--lang", "fr"])
    assert result.exit_code == 2 and "de or en" in result.output


def test_post_v1_check(tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, ScriptedLLM({}))

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield harness.runner

    with TestClient(create_app(factory)) as client:
        answer = client.post("/v1/check", json={"text": BAD_HTML, "format": "html", "language": "en"})
        assert answer.status_code == 200
        body = answer.json()
        assert body["blocking"] is True
        assert any(s["verdict"] == "contradicted" for s in body["sentences"])
        assert client.post("/v1/check", json={"text": "", "language": "en"}).status_code == 422
        assert client.post("/v1/check", json={"text": "x", "format": "pdf"}).status_code == 422
        assert client.post("/v1/check", json={"text": "<p", "format": "html"}).status_code in (200, 422)
    harness.close()
