"""The whole CLI flow against a scripted OpenAI-compatible server: ingest, draft, show, edit, approve, runs.

The model is an HTTP server on 127.0.0.1 that answers like vLLM (``json_schema``
dialect), so the CLI, settings, client, graph and stores all run for real.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app import cli
from app.settings import get_settings


def answer_for(body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("response_format", {}).get("json_schema", {}).get("name")
    if name == "QueryPlan":
        return {
            "keyword_query": "Acme Kettle K1 price",
            "question_query": "What does it cost?",
            "hypothetical_passage": "The Acme Kettle K1 costs 49.90 EUR.",
        }
    prompt = "\n".join(m["content"] for m in body["messages"])
    label = re.search(r"^\[(S\d+)\][^\n]*\n[^\n]*49\.90", prompt, re.MULTILINE)
    cite = label.group(1) if label else "S1"
    return {
        "title": "Acme Kettle K1",
        "meta_description": "Price and technical data of the Acme Kettle K1.",
        "sections": [{"heading": "Price", "body": f"The Acme Kettle K1 costs 39.90 EUR [{cite}]."}],
        "claims": [{"text": "The Acme Kettle K1 costs 39.90 EUR.", "sources": [cite]}],
    }


class ScriptedOpenAI(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content = json.dumps(answer_for(body))
        payload = json.dumps(
            {"model": body["model"], "choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_dir: Path) -> Iterator[CliRunner]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COPYDESK_LLM_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("COPYDESK_LLM_CAPABLE", "false")
    monkeypatch.setenv("COPYDESK_MAX_REVISIONS", "0")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    server.shutdown()


def test_draft_edit_approve_through_the_cli(cli_env: CliRunner, corpus_dir: Path, tmp_path: Path) -> None:
    ingested = cli_env.invoke(cli.app, ["ingest", str(corpus_dir)])
    assert ingested.exit_code == 0, ingested.output

    drafted = cli_env.invoke(
        cli.app, ["draft", "--brief", "Acme Kettle K1 price", "--channel", "product_description", "--lang", "en"]
    )
    assert drafted.exit_code == 0, drafted.output
    run_id = re.search(r"run ([0-9a-f]{12})", drafted.output).group(1)
    assert "waiting for review" in drafted.output and "blocking problem" in drafted.output

    refused = cli_env.invoke(cli.app, ["review", run_id, "--approve"])
    assert "cannot approve" in " ".join(refused.output.split())

    shown = cli_env.invoke(cli.app, ["show", run_id, "--json"])
    edited = json.loads(shown.output)
    edited["draft"]["sections"][0]["body"] = edited["draft"]["sections"][0]["body"].replace("39.90", "49.90")
    edited["draft"]["claims"][0]["text"] = "The Acme Kettle K1 costs 49.90 EUR."
    draft_file = tmp_path / "draft.json"
    draft_file.write_text(json.dumps(edited), encoding="utf-8")
    after_edit = cli_env.invoke(cli.app, ["review", run_id, "--edit", str(draft_file), "--editor", "eva"])
    assert after_edit.exit_code == 0 and "blocking" not in after_edit.output

    approved = cli_env.invoke(cli.app, ["review", run_id, "--approve"])
    assert approved.exit_code == 0 and "published" in approved.output
    html = next((tmp_path / "data" / "published" / run_id).glob("index.html")).read_text(encoding="utf-8")
    assert "49.90" in html and "39.90" not in html
    listed = cli_env.invoke(cli.app, ["runs"])
    assert run_id[:8] in listed.output and "published" in listed.output
