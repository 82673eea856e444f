"""``GuardSuite``: every draft check in one call, configured from the brand guidelines.

The graph calls :meth:`GuardSuite.check_draft` after drafting and
:meth:`GuardSuite.detect_injection` on the brief and on each retrieved chunk before they
reach a prompt. All checks are deterministic and local; a 1,000-word draft takes well
under 300 ms on two cores once the PII analyzer is warm (``evals/guards_bench.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from guardrails.validators import Validator

from tools.channels import GuardLimits, UnknownChannelError, channel_spec, known_channels, unknown_channel_message
from tools.guards.brand import CLASS_RULES, DEFAULT_BANNED_CLAIMS, DEFAULT_BANNED_TERMS
from tools.guards.findings import GuardFinding
from tools.guards.guidelines import BannedPhrase, parse_guidelines
from tools.guards.injection import detect_injection as _detect_injection
from tools.guards.validators import (
    BrandSafetyValidator,
    MarkupValidator,
    PiiValidator,
    PromptInjectionValidator,
    ToneLengthValidator,
    VerbatimCopyValidator,
    findings_of,
)
from tools.pii import PiiScrubber

_SEVERITY_ORDER = {"block": 0, "warn": 1}


def _phrases(items: Iterable[BannedPhrase | str | dict[str, Any]] | None, claims: bool) -> list[BannedPhrase]:
    out: list[BannedPhrase] = []
    for item in items or []:
        if isinstance(item, BannedPhrase):
            out.append(item)
        elif isinstance(item, str):
            out.append(BannedPhrase.make(item, "claim not allowed" if claims else "banned term"))
        else:
            out.append(
                BannedPhrase.make(
                    str(item["term"]),
                    str(item.get("reason", "")),
                    bool(item.get("unless_source", False)),
                    item.get("severity", "block"),
                )
            )
    return out


def _limits(channel_limits: dict[str, GuardLimits | dict[str, Any]] | None) -> dict[str, GuardLimits]:
    """Every known channel's guard limits (its spec), with ``channel_limits`` laid over them.

    An override for a channel without a drafting prompt is an error
    (:class:`tools.channels.UnknownChannelError`), not an entry nobody reads.
    """
    merged = {channel: channel_spec(channel).guard_limits for channel in known_channels()}
    for channel, value in (channel_limits or {}).items():
        base = channel_spec(channel).guard_limits
        merged[channel] = value if isinstance(value, GuardLimits) else GuardLimits.from_dict(value, base)
    return merged


def _classes(rules: dict[str, Any]) -> list[BannedPhrase]:
    """The built-in superlative/absolute classes with the brand's overrides (block | warn | off)."""
    out: list[BannedPhrase] = []
    for phrase in CLASS_RULES:
        setting = rules.get(phrase.rule_class, "block")
        if setting == "off":
            continue
        out.append(phrase if setting == phrase.severity else replace(phrase, severity=setting))
    return out


class GuardSuite:
    """Brand safety, tone/length, verbatim copying, PII, markup and injection checks."""

    def __init__(
        self,
        banned_terms: Iterable[BannedPhrase | str | dict[str, Any]] | None = None,
        banned_claims: Iterable[BannedPhrase | str | dict[str, Any]] | None = None,
        channel_limits: dict[str, GuardLimits | dict[str, Any]] | None = None,
        *,
        use_default_rules: bool = True,
        copy_min_tokens: int = 12,
        pii_scrubber: PiiScrubber | None = None,
        check_pii: bool = True,
        brand_rules: dict[str, Any] | None = None,
    ) -> None:
        rules = brand_rules or {}
        terms = _phrases(banned_terms, claims=False)
        claims = _phrases(banned_claims, claims=True)
        if use_default_rules:
            terms = [*DEFAULT_BANNED_TERMS, *terms]
            claims = [*DEFAULT_BANNED_CLAIMS, *_classes(rules), *claims]
        self.brand_rules = rules
        self.banned_terms = terms
        self.banned_claims = claims
        self.channel_limits = _limits(channel_limits)
        self.validators: list[Validator] = [
            BrandSafetyValidator(banned_terms=terms, banned_claims=claims, allowed=rules.get("allowed_terms") or []),
            ToneLengthValidator(channel_limits=self.channel_limits),
            VerbatimCopyValidator(min_tokens=copy_min_tokens, per_channel=rules.get("verbatim_copy") or {}),
            PromptInjectionValidator(),
            MarkupValidator(),
        ]
        if check_pii:
            self.validators.append(PiiValidator(scrubber=pii_scrubber))

    @classmethod
    def from_guidelines(cls, markdown_text: str, **kwargs: Any) -> GuardSuite:
        """Build from the brand-guidelines Markdown (format: :mod:`tools.guards.guidelines`)."""
        guide = parse_guidelines(markdown_text)
        return cls(
            banned_terms=guide.banned_terms,
            banned_claims=guide.banned_claims,
            channel_limits=guide.channel_limits,  # type: ignore[arg-type]
            use_default_rules=kwargs.pop("use_default_rules", guide.use_default_rules),
            brand_rules=kwargs.pop("brand_rules", guide.brand_rules),
            **kwargs,
        )

    def check_draft(self, text: str, *, channel: str, language: str, sources: list[str]) -> list[GuardFinding]:
        """All findings for a draft, blocking ones first, then by position."""
        if channel not in self.channel_limits:
            raise UnknownChannelError(unknown_channel_message(channel))
        metadata = {"channel": channel, "language": language, "sources": sources}
        findings: list[GuardFinding] = []
        for validator in self.validators:
            findings.extend(findings_of(validator.validate(text, metadata)))
        return sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.start, f.validator))

    def detect_injection(self, text: str) -> list[GuardFinding]:
        """Instruction-like spans in a brief or a retrieved chunk (see :mod:`tools.guards.injection`)."""
        return _detect_injection(text)

    @staticmethod
    def blocking(findings: Iterable[GuardFinding]) -> list[GuardFinding]:
        """Only the findings that must stop publication."""
        return [f for f in findings if f.severity == "block"]
