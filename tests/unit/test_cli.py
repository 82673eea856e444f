"""The CLI answers bad input with a one-line reason and a non-zero exit code, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import cli
from app.settings import get_settings


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_empty_brief_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["draft", "--brief", "  ", "--channel", "ad_copy"])
    assert result.exit_code == 2
    assert "brief is empty" in result.output


def test_unknown_channel_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["draft", "--brief", "x", "--channel", "poem"])
    assert result.exit_code == 2 and "unknown channel" in result.output


def test_unknown_run_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["review", "nope", "--approve"])
    assert result.exit_code == 1 and "unknown run" in result.output


def test_review_needs_exactly_one_decision(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["review", "nope", "--approve", "--reject"])
    assert result.exit_code == 2 and "exactly one" in result.output


def test_ingest_reports_bad_files_and_runs_lists_nothing(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "broken.json").write_text("{", encoding="utf-8")
    result = runner.invoke(cli.app, ["ingest", str(folder)])
    assert result.exit_code == 0
    assert "skipped broken.json" in " ".join(result.output.split())
    listed = runner.invoke(cli.app, ["runs"])
    assert "no runs yet" in listed.output


def test_ingest_missing_path(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["ingest", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output
