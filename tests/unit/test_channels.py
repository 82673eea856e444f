"""One channel spec per channel, read by every place that needs one; the prompts are the list.

The second half proves the issue's promise: adding a channel is one prompt file (plus, at
most, one entry in ``tools.channels._ENTRIES``). A copy of ``prompts/`` with one new file,
``draft/newsletter.v1.md``, is enough for content validation, the guards, the drafting
graph, the renderer (HTML and JSON-LD type), the runner, the CLI, the API (validation and
the OpenAPI enum) and the desk's labels; an unknown channel stays a clear error everywhere.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from starlette.requests import Request
from typer.testing import CliRunner

import prompts
from app import cli
from app.desk_context import page_context
from app.routers.schemas import RunRequest
from app.runner import RunError, validate_request
from app.services import prompt_channel_limits
from app.settings import get_settings
from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, local_client
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with
from tools.channels import (
    GuardLimits,
    UnknownChannelError,
    channel_display,
    channel_spec,
    forget_channels,
    known_channels,
    require_channel,
)
from tools.guards import GuardSuite

BUILT_IN = ("seo_article", "product_description", "ad_copy", "crm_email", "landing_page")
BRIEF = "Product text for the Acme Kettle K1"

NEWSLETTER = """---
version: 1
description: Monthly customer newsletter.
role: draft
limits:
  title_max_chars: 60
  meta_description_max_chars: 160
  min_sections: 1
  max_sections: 3
  section_max_chars: 700
  max_claims: 4
  max_words: 500
  max_tokens: 700
  max_exclamations: 2
channel:
  display_name: {en: Newsletter, de: Rundbrief}
  prompt_name: a customer newsletter
  schema_type: NewsArticle
  guard_limits: {max_caps_words: 1, formal_address: true}
  verbatim_copy: block
---
{% extends "draft/_base.v3.j2" %}
{% block task %}a short newsletter with a friendly title and one idea per section.{% endblock %}
"""


@pytest.mark.parametrize("channel", BUILT_IN)
def test_every_channel_has_a_complete_spec(channel: str) -> None:
    spec = channel_spec(channel)
    assert spec.display("de") and spec.display("en") and spec.display("de") != spec.display("en")
    assert spec.schema_type in {"Article", "Product", "CreativeWork", "EmailMessage", "WebPage"}
    limits = prompts.load_prompt(f"draft/{channel}").metadata["limits"]
    assert spec.limits.model_dump(include=set(limits)) == limits, "limits come from the prompt's front matter"
    assert "sections[].body" in spec.published_fields and spec.prompt_name
    assert spec.guard_limits != GuardLimits(), "the built-in channels keep their own guard limits"


def test_the_channels_are_the_drafting_prompts() -> None:
    assert known_channels() == BUILT_IN  # built-in order first: the desk's select and the error list
    assert {n.removeprefix("draft/") for n in prompts.available_prompts() if n.startswith("draft/")} == set(BUILT_IN)


def test_unknown_channel_is_a_clear_error() -> None:
    for call in (channel_spec, require_channel):
        with pytest.raises(UnknownChannelError, match=r"'poem'.*choose one of seo_article, .*landing_page"):
            call("poem")
    assert channel_display("poem", "de") == "poem"  # display only: an old run's id, never a validation


@pytest.fixture
def newsletter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The real prompts plus one file, ``draft/newsletter.v1.md``, as the prompt folder."""
    root = tmp_path / "prompts"
    shutil.copytree(prompts.PROMPTS_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    (root / "draft" / "newsletter.v1.md").write_text(NEWSLETTER, encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", root)
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    forget_channels()
    get_settings.cache_clear()
    yield root
    monkeypatch.undo()
    forget_channels()
    get_settings.cache_clear()


def test_one_prompt_file_adds_a_channel_everywhere(newsletter: Path) -> None:
    assert known_channels() == (*BUILT_IN, "newsletter")
    spec = channel_spec("newsletter")
    assert (spec.display("en"), spec.display("de"), spec.schema_type) == ("Newsletter", "Rundbrief", "NewsArticle")
    assert spec.limits.max_words == 500 and spec.limits.title_max_chars == 60 and spec.verbatim_copy == "block"

    # content validation (API bodies) and the runner's own check
    assert RunRequest(brief="x", channel="newsletter").channel == "newsletter"
    assert validate_request("a brief", "newsletter", "en") == "a brief"
    # guards: the spec's guard limits, and the writer's limits in the app's suite
    assert GuardSuite(check_pii=False).channel_limits["newsletter"] == GuardLimits(
        max_caps_words=1, formal_address=True
    )
    enforced = prompt_channel_limits()["newsletter"]
    assert isinstance(enforced, GuardLimits) and enforced.max_words == 500 and enforced.formal_address
    suite = GuardSuite(check_pii=False, channel_limits={"newsletter": {"max_words": 5}})
    findings = suite.check_draft("Sie lesen hier sechs ganze Wörter.", channel="newsletter", language="de", sources=[])
    assert any(f.validator == "tone_length" for f in findings)
    # the CLI offers it (shell completion) and the desk names it in the page's language
    assert cli.complete_channel("news") == ["newsletter"]
    context = page_context(_desk_request("de"))
    assert context["label"]("channel", "newsletter") == "Rundbrief"


def test_a_new_channel_runs_through_api_graph_and_renderer(newsletter: Path, tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    try:
        with local_client(app_for(harness.runner, tmp_path)) as client:
            schema = client.get("/openapi.json").json()["components"]["schemas"]
            assert schema["RunRequest"]["properties"]["channel"]["enum"] == [*BUILT_IN, "newsletter"]
            assert "newsletter" in schema["CheckRequest"]["properties"]["channel"]["enum"]

            created = client.post("/v1/runs", json={"brief": BRIEF, "channel": "newsletter", "language": "en"})
            assert created.status_code == 202, created.text
            run_id = created.json()["run_id"]
            client.app.state.worker.wait(timeout_s=120)  # type: ignore[attr-defined]
            waiting = client.get(f"/v1/runs/{run_id}").json()
            assert waiting["status"] == "awaiting_review", waiting
            assert client.post(f"/v1/runs/{run_id}/review", json={"action": "approve"}).status_code == 202
            client.app.state.worker.wait(timeout_s=120)  # type: ignore[attr-defined]
            done = client.get(f"/v1/runs/{run_id}").json()
            assert done["status"] == "published", done
            html = Path(done["published"]["html"]).read_text(encoding="utf-8")
            assert 'data-channel="newsletter"' in html
            assert json.loads(Path(done["published"]["jsonld"]).read_text(encoding="utf-8"))["@type"] == "NewsArticle"
    finally:
        harness.close()


def test_an_unknown_channel_is_refused_everywhere_with_the_list(newsletter: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        RunRequest(brief="x", channel="poem")
    error = caught.value.errors()[0]
    assert error["type"] == "literal_error" and "'landing_page' or 'newsletter'" in error["msg"]
    with pytest.raises(RunError, match=r"unknown channel 'poem'; choose one of .*newsletter"):
        validate_request("a brief", "poem", "en")
    for build in (
        lambda: GuardSuite(check_pii=False, channel_limits={"poem": {"max_words": 5}}),
        lambda: GuardSuite(check_pii=False).check_draft("text", channel="poem", language="en", sources=[]),
    ):
        with pytest.raises(UnknownChannelError, match="newsletter"):
            build()

    runner = CliRunner()
    drafted = runner.invoke(cli.app, ["draft", "--brief", "x", "--channel", "poem"])
    assert drafted.exit_code == 2 and "unknown channel 'poem'" in drafted.output and "newsletter" in drafted.output
    (tmp_path / "x.md").write_text("# Title\n\nSome text.\n", encoding="utf-8")
    checked = runner.invoke(cli.app, ["check", str(tmp_path / "x.md"), "--channel", "poem"])
    assert checked.exit_code == 2 and "unknown channel 'poem'" in checked.output

    harness = GraphHarness(tmp_path, ScriptedLLM({}))
    try:
        with local_client(app_for(harness.runner, tmp_path)) as client:
            for path, body in (("/v1/runs", {"brief": "x", "channel": "poem"}), ("/v1/check", _check("poem"))):
                answer = client.post(path, json=body)
                assert answer.status_code == 422 and "newsletter" in answer.text, answer.text
            assert client.post("/v1/check", json=_check("newsletter")).status_code == 200
    finally:
        harness.close()


def _check(channel: str) -> dict[str, str]:
    return {"text": "The Acme Kettle K1 costs 49.90 EUR.", "language": "en", "channel": channel}


def _desk_request(language: str) -> Request:
    """The least of a desk request that :func:`page_context` reads: headers, cookies, URL, state."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/editor",
        "query_string": f"lang={language}".encode(),
        "headers": [(b"accept-language", language.encode())],
        "app": None,
    }
    return Request(scope)


def test_a_new_channel_may_leave_limits_to_the_defaults(newsletter: Path, tmp_path: Path) -> None:
    """A front matter with one limit still renders: the drafting node fills in the others."""
    (newsletter / "draft" / "memo.v1.md").write_text(
        "---\nversion: 1\ndescription: Internal memo.\nlimits:\n  max_sections: 2\n---\n"
        '{% extends "draft/_base.v3.j2" %}\n{% block task %}a short memo.{% endblock %}\n',
        encoding="utf-8",
    )
    forget_channels()
    defaults = channel_spec("memo").limits
    assert defaults.max_sections == 2 and defaults.title_max_chars > 0
    llm = ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    harness = GraphHarness(tmp_path, llm)
    try:
        view = harness.runner.start(BRIEF, channel="memo", language="en")
        assert view.status == "awaiting_review", view.error
        prompt_text = "\n".join(m["content"] for m in llm.calls[-1]["messages"])
        assert f"title at most {defaults.title_max_chars} characters" in prompt_text
        assert "1 to 2 sections" in prompt_text
    finally:
        harness.close()
