"""The editor's desk over HTTP: queue, draft view, decisions, published preview, languages, identity.

Real graph, store, fact-checker, Presidio and guards; a scripted model (the desk's logic is under test).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.editor import parse_claims
from serving.structured import StructuredOutputError
from tests.fakes import ScriptedLLM
from tests.unit.api_support import LOCAL, REMOTE, app_for, csrf_from, keys_of
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

FIXED_BODY = "The Acme Kettle K1 costs 49.90 EUR [S1]."

Client = tuple[TestClient, GraphHarness]


class DeskClient(TestClient):
    """A browser on the desk: every form post carries the CSRF token the pages hand out (issue 10)."""

    def post(self, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if "json" not in kwargs and str(url).startswith(("/editor", "/logout")):
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", csrf_from(self, "/editor"))
            kwargs["data"] = data
        return super().post(url, *args, **kwargs)


def make_client(tmp_path: Path, drafts: list[Any], identity: str | None = None) -> Iterator[Client]:
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": drafts}), max_revisions=0)
    app = app_for(harness.runner, tmp_path)
    address = REMOTE if identity else LOCAL  # a named editor signs in from another machine; else single-user mode
    with DeskClient(app, base_url="http://127.0.0.1", client=address) as http:
        if identity:
            _, key = keys_of(app).create(identity, ["editor", "ops"])
            signed_in = http.post("/login", data={"key": key, "csrf_token": csrf_from(http, "/login")})
            assert signed_in.status_code == 200
        yield http, harness
    harness.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    yield from make_client(tmp_path, [draft_with("39.90")])


def settle(http: TestClient) -> None:
    http.app.state.worker.wait(timeout_s=120)  # type: ignore[attr-defined]


def start_run(http: TestClient, brief: str = "Acme Kettle K1 price", **extra: Any) -> str:
    body = {"brief": brief, "channel": "product_description", **extra}
    run_id = http.post("/v1/runs", json=body).json()["run_id"]
    settle(http)
    return str(run_id)


def fix_price(http: TestClient, run_id: str, **headers: str) -> Any:
    form = {
        "title": "Acme Kettle K1",
        "meta_description": "The Acme Kettle K1 kettle: price and technical data.",
        "heading_0": "Price",
        "body_0": FIXED_BODY,
    }
    return http.post(f"/editor/runs/{run_id}/edit", data=form, headers=headers, follow_redirects=False)


def test_queue_lists_drafts_with_their_facts_filters_and_counts(client: Client) -> None:
    http, _ = client
    first = start_run(http, campaign_id="winter")
    time.sleep(1.05)  # the run registry keeps creation times to the second
    second = start_run(http, "Acme Kettle K1 Preis", language="de")
    page = http.get("/editor").text
    rows = re.findall(r'<tr class="run" data-status="(\w+)" data-run="(\w+)"', page)
    assert [r[1] for r in rows] == [first, second]  # oldest first
    counts = re.findall(r'class="badge bad">(\d+)</span>', page)
    assert counts == ["1", "3"]  # the German run's English title and meta are not found too
    assert "Acme Kettle K1</a>" in page and "winter" in page and "Product description" in page
    assert re.search(r'data-status="awaiting_review"><span class="n">2</span>', page)
    newest = http.get("/editor?sort=newest").text
    assert [r[1] for r in re.findall(r'data-status="(\w+)" data-run="(\w+)"', newest)] == [second, first]
    german = http.get("/editor?language=de").text
    assert second in german and first not in german
    assert first in http.get("/editor?campaign=winter").text and second not in http.get("/editor?campaign=winter").text
    assert "Nothing matches" in http.get("/editor?status=published").text
    assert first in http.get("/editor?status=bogus&channel=nope").text  # unknown filter values are ignored


def test_draft_view_marks_sentences_and_shows_the_passage(client: Client) -> None:
    http, _ = client
    run_id = start_run(http, "Acme Kettle K1 <script>x()</script> price")
    page = http.get(f"/editor/runs/{run_id}")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "<script>x()" not in html
    sentence = re.search(r'<span class="s v-contradicted has-block" id="(s\d+)"', html)
    assert sentence, "the wrong price must be marked contradicted"
    sid = sentence.group(1)
    assert f'<a href="#{sid}" class="problem-link" data-sentence="{sid}"' in html  # blocking problem links to it
    detail = html[html.index(f'id="detail-{sid}"') :]
    detail = detail[: detail.index("</section>")]
    assert '<mark class="span span-contradicted">The Acme Kettle K1 costs 49.90 EUR.</mark>' in detail
    assert 'class="doc-version">2<' in detail and "Acme Kettle K1" in detail
    assert 'aria-label="Source 1">1</a></sup>' in html and 'id="source-S1"' in html
    assert "cite as [S1]" in html  # how to cite the source while editing in place
    assert re.search(r'id="brief"><span class="k">Brief</span> <span lang="en">Acme Kettle K1 &lt;script&gt;', html)
    assert 'id="edit-body-0" name="body_0"' in html and "[S1]" in html  # the editable text keeps its citations
    assert '<html lang="en">' in html and '<article class="page" lang="en"' in html
    assert re.search(r'name="csrf_token" value="[^"]+"', html) and "Signed in as local" in html


def test_approve_is_refused_with_reasons_while_problems_remain(client: Client) -> None:
    http, harness = client
    run_id = start_run(http)
    refused = http.post(f"/editor/runs/{run_id}/approve", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].endswith("?notice=refused")
    assert harness.runner.get(run_id).status == "awaiting_review"  # never resumed
    page = http.get(refused.headers["location"]).text
    assert "Approval refused" in page and "Blocking problems (1)" in page
    as_json = http.post(f"/editor/runs/{run_id}/approve", headers={"accept": "application/json"})
    assert as_json.status_code == 409 and "contradicted" in as_json.json()["problems"][0]


def test_edit_in_place_rechecks_then_approve_goes_to_the_next_draft_and_publishes(tmp_path: Path) -> None:
    for http, harness in make_client(tmp_path, [draft_with("39.90")], identity="eva"):
        run_id = start_run(http)
        other = start_run(http, "Acme Kettle K1 capacity")
        page = http.get(f"/editor/runs/{run_id}").text
        assert re.search(r'name="csrf_token" value="[^"]+"', page) and "Signed in as eva" in page
        assert page.count('name="csrf_token"') == page.count("<form")  # every form carries the token
        accepted = fix_price(http, run_id, accept="application/json")
        assert accepted.status_code == 202 and accepted.json()["poll"] == f"/editor/runs/{run_id}/status.json"
        settle(http)
        status = http.get(f"/editor/runs/{run_id}/status.json").json()
        assert status == {"run_id": run_id, "status": "awaiting_review", "busy": False, "blocking": 0, "error": None}
        state = harness.runner.get(run_id).state
        # the claim followed its sentence: new wording, citation kept
        assert state["draft"]["claims"] == [{"text": "The Acme Kettle K1 costs 49.90 EUR.", "sources": ["S1"]}]
        after = http.get(f"/editor/runs/{run_id}").text
        assert 'id="no-blocking"' in after and 'class="s v-supported" id=' in after
        assert "<del" in after and ">39.90</del>" in after and ">49.90</ins>" in after  # edits against the model draft
        approved = http.post(f"/editor/runs/{run_id}/approve", follow_redirects=False)
        assert approved.headers["location"] == f"/editor/runs/{other}?notice=approve&run={run_id}"
        settle(http)
        landing = http.get(approved.headers["location"]).text
        assert f'href="/published/{run_id}"' in landing and f"Run {run_id} approved" in landing
        decided = [e for e in harness.runner.get(run_id).state["events"] if e["node"] == "review"]
        assert [(e["action"], e["editor"]) for e in decided] == [("edit", "eva"), ("approve", "eva")]
        preview = http.get(f"/published/{run_id}")
        assert preview.status_code == 200
        assert f'src="/published/{run_id}/page"' in preview.text and "&#34;@context&#34;" in preview.text
        assert re.search(r'<span class="num">1</span> <span lang="en">Acme Kettle K1', preview.text)
        public = http.get(f"/published/{run_id}/page")
        assert public.status_code == 200 and "sandbox" in public.headers["content-security-policy"]
        assert "49.90" in public.text and 'href="#src-S1"' in public.text
        assert ">Acme Kettle K1 – Price</li>" in public.text and "<code>" not in public.text  # named once, no chunk ids
        assert http.get(f"/published/{other}").text.count("is not published") == 1


def test_reject_needs_feedback_and_rejecting_for_good_needs_confirmation(client: Client) -> None:
    http, harness = client
    run_id = start_run(http)
    empty = http.post(f"/editor/runs/{run_id}/reject", data={"feedback": "  "}, follow_redirects=False)
    assert empty.headers["location"].endswith("?notice=need_feedback")
    assert harness.runner.get(run_id).status == "awaiting_review"
    unconfirmed = http.post(f"/editor/runs/{run_id}/reject-final", follow_redirects=False)
    assert unconfirmed.headers["location"] == f"/editor/runs/{run_id}/reject-final"
    assert harness.runner.get(run_id).status == "awaiting_review"
    confirm = http.get(unconfirmed.headers["location"]).text
    assert 'name="confirm" value="yes"' in confirm and "cannot be reopened" in confirm
    done = http.post(f"/editor/runs/{run_id}/reject-final", data={"confirm": "yes"}, follow_redirects=False)
    assert done.headers["location"] == f"/editor?notice=reject_final&run={run_id}"
    settle(http)
    assert harness.runner.get(run_id).status == "rejected"
    assert "rejected for good" in http.get(f"/editor/runs/{run_id}").text
    assert http.post(f"/editor/runs/{run_id}/approve", follow_redirects=False).status_code == 409
    assert http.get("/editor/runs/nope").status_code == 404
    assert http.get("/editor/runs/..%2F..%2Fetc").status_code == 404


def test_reject_with_feedback_sends_the_draft_back(tmp_path: Path) -> None:
    harness = GraphHarness(
        tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}), max_revisions=1
    )

    with DeskClient(app_for(harness.runner, tmp_path), base_url="http://127.0.0.1", client=LOCAL) as http:
        run_id = start_run(http)
        sent = http.post(
            f"/editor/runs/{run_id}/reject", data={"feedback": "use the real price"}, follow_redirects=False
        )
        assert sent.headers["location"] == f"/editor?notice=reject&run={run_id}"
        settle(http)
        view = harness.runner.get(run_id)
        assert view.status == "awaiting_review" and view.state["revision"] == 1
    harness.close()


def test_a_failed_run_shows_its_reason_and_retries(tmp_path: Path) -> None:
    drafts = [StructuredOutputError("draft: model answered no JSON", []), draft_with("49.90")]
    for http, harness in make_client(tmp_path, drafts):
        run_id = start_run(http)
        assert harness.runner.get(run_id).status == "failed"
        page = http.get(f"/editor/runs/{run_id}").text
        assert 'id="failure"' in page and "model answered no JSON" in page
        assert f'action="/editor/runs/{run_id}/retry"' in page
        assert "No draft yet: Acme Kettle K1 price</a>" in http.get("/editor?status=failed").text  # its brief names it
        retried = http.post(f"/editor/runs/{run_id}/retry", follow_redirects=False)
        assert retried.status_code == 303
        settle(http)
        assert harness.runner.get(run_id).status == "awaiting_review"
        assert http.post(f"/editor/runs/{run_id}/retry").status_code == 409


def test_german_ui_by_choice_and_lang_follows_the_draft(client: Client) -> None:
    http, _ = client
    run_id = start_run(http, "Acme Kettle K1 Preis", language="de")
    english = http.get(f"/editor/runs/{run_id}").text
    assert '<html lang="en">' in english and '<article class="page" lang="de"' in english
    switched = http.post(
        "/editor/ui-language", data={"lang": "de", "next": f"/editor/runs/{run_id}"}, follow_redirects=False
    )
    assert switched.headers["location"] == f"/editor/runs/{run_id}"
    assert (
        "copydesk_ui_lang=de" in switched.headers["set-cookie"]
        and "samesite=strict" in switched.headers["set-cookie"].lower()
    )
    german = http.get(f"/editor/runs/{run_id}").text
    assert '<html lang="de">' in german and "Blockierende Probleme (3)" in german and "Widerlegt" in german
    assert "Freigeben und veröffentlichen" in german and "Approve" not in german
    queue = http.get("/editor").text
    assert "Wartet auf Prüfung" in queue and "Produktbeschreibung" in queue
    evil = http.post(
        "/editor/ui-language", data={"lang": "de", "next": "https://evil.example/"}, follow_redirects=False
    )
    assert evil.headers["location"] == "/editor"


def test_browser_language_is_the_default(client: Client) -> None:
    http, _ = client
    page = http.get("/editor", headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"}).text
    assert '<html lang="de">' in page and "Entwürfe" in page


def test_static_files_are_served_locally(client: Client) -> None:
    http, _ = client
    css = http.get("/editor/static/desk.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert http.get("/editor/static/desk.js").headers["content-type"].startswith("text/javascript")
    assert http.get("/editor/static/../api.py").status_code == 404
    assert http.get("/editor/static/nope.css").status_code == 404


def test_explicit_claim_lines_still_parse() -> None:
    assert parse_claims("A costs 5 EUR. [S1, S2]\n\nno sources here\n") == [
        {"text": "A costs 5 EUR.", "sources": ["S1", "S2"]},
        {"text": "no sources here", "sources": []},
    ]


def test_the_diff_is_against_the_latest_model_draft(tmp_path: Path) -> None:
    drafts = [draft_with("49.90"), draft_with("49.90", "Second take.")]
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": drafts}), max_revisions=1)

    with DeskClient(app_for(harness.runner, tmp_path), base_url="http://127.0.0.1", client=LOCAL) as http:
        run_id = start_run(http)
        assert 'id="no-diff"' in http.get(f"/editor/runs/{run_id}").text
        http.post(f"/editor/runs/{run_id}/reject", data={"feedback": "one more sentence"})
        settle(http)
        body = harness.runner.get(run_id).state["draft"]["sections"][0]["body"]
        assert "Second take." in body
        form = {"title": "Acme Kettle K1 at a glance", "body_0": body}
        assert http.post(f"/editor/runs/{run_id}/edit", data=form, follow_redirects=False).status_code == 303
        settle(http)
        page = http.get(f"/editor/runs/{run_id}").text
        diff = page[page.index('id="diff"') :]
        assert "<ins" in diff and "at a glance</ins>" in diff
        assert "Second take" not in diff  # the revision is the model's, not the editor's
    harness.close()


def test_sign_in_page_speaks_the_ui_language_and_wears_the_desk_stylesheet(tmp_path: Path) -> None:
    for http, _ in make_client(tmp_path, [draft_with("39.90")]):
        run_id = start_run(http)
        keys_of(http.app).create("eva", ["editor"])  # type: ignore[arg-type]
        browser = DeskClient(http.app, base_url="http://127.0.0.1", client=REMOTE)
        german = {"accept": "text/html", "accept-language": "de-DE,de;q=0.9"}
        page = browser.get(f"/editor/runs/{run_id}?notice=edit", headers=german)
        assert page.status_code == 401 and '<html lang="de">' in page.text
        assert "Melden Sie sich mit Ihrem API-Schlüssel an" in page.text and "API key" not in page.text
        assert f'name="next" value="/editor/runs/{run_id}?notice=edit"' in page.text  # back where the editor was
        assert 'href="/editor/static/desk.css"' in page.text and "<style" not in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert browser.get("/editor/static/desk.css").status_code == 200  # public: the form needs it
        assert browser.get("/editor/static/nope.css").status_code == 401
        english = browser.get("/login")
        assert '<html lang="en">' in english.text and "Sign in to the editor" in english.text
        token = csrf_from(browser, "/login")
        form = {"key": "cdk_wrong", "csrf_token": token}
        wrong = browser.post("/login", data=form, headers={"accept-language": "de"})
        assert wrong.status_code == 401 and "Dieser Schlüssel ist ungültig" in wrong.text


def test_refusals_are_pages_for_a_browser_and_json_for_scripts(client: Client) -> None:
    http, _ = client
    run_id = start_run(http)
    browser = {"accept": "text/html,application/xhtml+xml"}
    missing = http.get("/editor/runs/nope", headers=browser)
    assert missing.status_code == 404 and "There is no run nope." in missing.text
    assert 'id="error-queue"' in missing.text and 'id="error-run"' not in missing.text
    assert "default-src 'self'" in missing.headers["content-security-policy"]
    assert http.get("/editor/runs/nope").json()["detail"].startswith("unknown run")  # scripts: JSON as before
    assert http.get("/published/nope", headers=browser).status_code == 404
    http.post(f"/editor/runs/{run_id}/reject-final", data={"confirm": "yes"})
    settle(http)
    late = http.post(
        f"/editor/runs/{run_id}/reject-final",
        data={"confirm": "yes"},
        headers={**browser, "accept-language": "de"},
        follow_redirects=False,
    )
    assert late.status_code == 409 and f"Lauf {run_id} wartet nicht auf die Redaktion (Status: Abgelehnt)" in late.text
    assert f'href="/editor/runs/{run_id}" class="button" id="error-run"' in late.text
    assert f'name="next" value="/editor/runs/{run_id}"' in late.text  # the language switch lands on a page
    retry = http.post(f"/editor/runs/{run_id}/retry", headers=browser, follow_redirects=False)
    assert retry.status_code == 409 and "cannot be retried now (status: Rejected)" in retry.text
    assert http.post(f"/editor/runs/{run_id}/retry").json()["detail"]
