"""Company and brand come from settings (per tenant), never from code: the prompts a run sends name the
configured company, voice and audience, and nothing outside demo/ names the demo company."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.demo import demo_brief, demo_settings
from app.services import build_services, close_services
from app.settings import Settings
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

REPO = Path(__file__).resolve().parents[2]


def test_brand_defaults_and_per_tenant_overrides() -> None:
    settings = Settings(
        company_name="Nordlicht GmbH",
        brand_voice=["Klar und freundlich."],
        default_language="de",
        brands={"outdoor": {"company_name": "Trailhead Outfitters", "default_language": "en"}},
    )
    assert settings.brand().company_name == "Nordlicht GmbH"
    outdoor = settings.brand("outdoor")
    assert (outdoor.company_name, outdoor.default_language) == ("Trailhead Outfitters", "en")
    assert outdoor.brand_voice == ["Klar und freundlich."]  # not overridden: the default applies
    assert Settings(tenant="outdoor", brands=settings.brands).brand().company_name == "Trailhead Outfitters"


def test_brands_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPYDESK_COMPANY_NAME", "Acme Outdoor")
    monkeypatch.setenv("COPYDESK_BRAND_VOICE", '["Plain words.", "No hype."]')
    monkeypatch.setenv("COPYDESK_BRANDS", '{"b2b": {"audience": "buyers for retail chains"}}')
    monkeypatch.setenv("COPYDESK_TENANT", "b2b")
    brand = Settings().brand()
    assert (brand.company_name, brand.brand_voice, brand.audience) == (
        "Acme Outdoor",
        ["Plain words.", "No hype."],
        "buyers for retail chains",
    )


def test_services_carry_the_configured_brand(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, company_name="Acme Outdoor", brand_voice=["No hype."], audience="hikers")
    services = build_services(settings)
    try:
        options = services.options
        assert (options.company, options.brand_voice, options.audience) == ("Acme Outdoor", ("No hype.",), "hikers")
    finally:
        close_services(services)


def test_the_prompts_a_run_sends_name_the_configured_company(tmp_path: Path) -> None:
    import dataclasses

    llm = ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    harness = GraphHarness(tmp_path, llm)
    harness.services.options = dataclasses.replace(
        harness.services.options,
        company="Kesselwerk Berlin",
        brand_voice=("Warm, never pushy.",),
        audience="people who drink a lot of tea",
    )
    try:
        view = harness.runner.start("Product text for the Acme Kettle K1", channel="product_description", language="en")
        assert view.status == "awaiting_review"
    finally:
        harness.close()
    [prompt] = llm.prompts_for("draft")
    assert "You are a copywriter for Kesselwerk Berlin." in prompt
    assert "Brand voice: Warm, never pushy." in prompt and "Your readers: people who drink a lot of tea." in prompt
    assert not re.search("lumora", "\n".join(llm.prompts_for("draft") + llm.prompts_for("rewrite")), re.I)


def test_nothing_outside_demo_names_the_demo_company() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "app", "graphs", "tools", "serving", "prompts", "langgraph.json", "Makefile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offenders = [p for p in tracked if "lumora" in (REPO / p).read_text(encoding="utf-8", errors="ignore").lower()]
    assert offenders == []


def test_the_demo_sets_its_company_explicitly() -> None:
    settings = demo_settings(Settings(company_name="", brands={"x": {"company_name": "X"}}))
    assert settings.brand().company_name == "Lumora Home" and settings.brands == {}
    assert settings.brand().brand_voice and "Lumora" in demo_brief()


def test_a_revision_writes_for_the_company_the_run_started_with(tmp_path: Path) -> None:
    import dataclasses

    llm = ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    harness = GraphHarness(tmp_path, llm)
    harness.services.options = dataclasses.replace(harness.services.options, company="Kesselwerk Berlin")
    try:
        view = harness.runner.start("Product text for the Acme Kettle K1", channel="product_description", language="en")
        # Another process resumes the run with other settings (e.g. `copydesk review` after `copydesk demo`).
        harness.services.options = dataclasses.replace(harness.services.options, company="")
        harness.runner.resume(view.run_id, {"action": "reject", "feedback": "shorter", "editor": "ed"})
    finally:
        harness.close()
    prompts = llm.prompts_for("draft")
    assert len(prompts) == 2 and all("You are a copywriter for Kesselwerk Berlin." in p for p in prompts)
