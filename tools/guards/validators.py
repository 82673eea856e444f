"""copydesk's checks as guardrails-ai validators (the Hub is unreachable, so they are local).

Each validator wraps one deterministic check and reports a guardrails ``FailResult``
with one ``ErrorSpan`` per finding; the full :class:`GuardFinding` records (severity,
excerpt) travel in ``FailResult.metadata["findings"]``. They can be used in a
``guardrails.Guard`` or, as :class:`tools.guards.suite.GuardSuite` does, called
directly (``validator.validate(text, metadata)``), which skips the Guard's
orchestration overhead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from guardrails.validators import (
    ErrorSpan,
    FailResult,
    PassResult,
    ValidationResult,
    Validator,
    register_validator,
)

from tools.channels import GuardLimits, UnknownChannelError, channel_spec, known_channels, unknown_channel_message
from tools.guards.brand import check_banned
from tools.guards.copying import check_copying
from tools.guards.findings import GuardFinding, Severity
from tools.guards.guidelines import BannedPhrase
from tools.guards.injection import detect_injection
from tools.guards.sanitize import sanitize_text
from tools.guards.tone import check_tone
from tools.pii import PiiScrubber


def to_result(findings: list[GuardFinding]) -> ValidationResult:
    """PassResult when nothing was found, else a FailResult carrying spans and findings."""
    if not findings:
        return PassResult()
    reasons = sorted({f.reason for f in findings})
    return FailResult(
        error_message="; ".join(reasons)[:1000],
        error_spans=[ErrorSpan(start=f.start, end=f.end, reason=f.reason) for f in findings],
        metadata={"findings": [f.to_dict() for f in findings]},
    )


def findings_of(result: ValidationResult) -> list[GuardFinding]:
    """Inverse of :func:`to_result`."""
    if isinstance(result, FailResult) and result.metadata:
        return [GuardFinding.from_dict(d) for d in result.metadata.get("findings", [])]
    return []


@register_validator(name="copydesk/pii", data_type="string")
class PiiValidator(Validator):
    """Personal data left in a draft (pseudonym placeholders are fine). Excerpts are placeholders."""

    def __init__(self, scrubber: PiiScrubber | None = None, severity: Severity = "block", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scrubber = scrubber or PiiScrubber()
        self.severity: Severity = severity

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        text = str(value)
        results = self.scrubber.detect(text, metadata.get("language", "en"))
        return to_result(
            [
                GuardFinding(
                    "pii",
                    self.severity,
                    f"personal data ({r.entity_type}) in the text",
                    r.start,
                    r.end,
                    f"<{r.entity_type}>",
                )
                for r in results
            ]
        )


@register_validator(name="copydesk/brand_safety", data_type="string")
class BrandSafetyValidator(Validator):
    """Banned terms (always) and banned claims (unless ``metadata["sources"]`` back them)."""

    def __init__(
        self,
        banned_terms: list[BannedPhrase],
        banned_claims: list[BannedPhrase],
        allowed: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.banned_terms = banned_terms
        self.banned_claims = banned_claims
        self.allowed = list(allowed or [])

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        return to_result(
            check_banned(
                str(value),
                self.banned_terms,
                self.banned_claims,
                list(metadata.get("sources") or []),
                allowed=self.allowed,
            )
        )


@register_validator(name="copydesk/tone_length", data_type="string")
class ToneLengthValidator(Validator):
    """Per-channel length, exclamation, ALL-CAPS and form-of-address limits."""

    def __init__(self, channel_limits: dict[str, GuardLimits] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channel_limits = channel_limits or {c: channel_spec(c).guard_limits for c in known_channels()}

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        channel = metadata.get("channel", "seo_article")
        if channel not in self.channel_limits:
            raise UnknownChannelError(unknown_channel_message(channel))
        return to_result(check_tone(str(value), channel, metadata.get("language", "en"), self.channel_limits[channel]))


@register_validator(name="copydesk/verbatim_copy", data_type="string")
class VerbatimCopyValidator(Validator):
    """Long verbatim runs copied from ``metadata["sources"]``.

    Reusing the company's own approved text is a duplicate-content concern, not a falsehood:
    it blocks only on channels where duplicate content hurts (long SEO and landing pages: the
    channel spec's ``verbatim_copy``, :mod:`tools.channels`) and warns elsewhere; ``per_channel``
    (guidelines ``brand_rules.verbatim_copy``) overrides that with block | warn | off.
    """

    def __init__(self, min_tokens: int = 12, per_channel: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_tokens = min_tokens
        self.per_channel = dict(per_channel or {})

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        channel = str(metadata.get("channel", ""))
        mode = self.per_channel.get(channel) or channel_spec(channel).verbatim_copy
        if mode == "off":
            return PassResult()
        findings = check_copying(str(value), list(metadata.get("sources") or []), self.min_tokens)
        if mode == "warn":
            findings = [replace(f, severity="warn") for f in findings]
        return to_result(findings)


@register_validator(name="copydesk/prompt_injection", data_type="string")
class PromptInjectionValidator(Validator):
    """Instructions aimed at the model, hidden in a brief, a source or a draft."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        return to_result(detect_injection(str(value)))


@register_validator(name="copydesk/markup", data_type="string")
class MarkupValidator(Validator):
    """HTML/script markup in text that should be plain (the fix value is the sanitised text)."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        text = str(value)
        clean = sanitize_text(text)
        if " ".join(clean.split()) == " ".join(text.split()):
            return PassResult()
        import re

        spans = [
            m
            for m in re.finditer(r"<[^<>]{1,200}>|javascript\s*:|&lt;\w", text, re.IGNORECASE)
            if not re.fullmatch(r"<[A-Z_]+\d*>", m.group(0))
        ]
        findings = [
            GuardFinding("markup", "block", "HTML/script markup in plain text", m.start(), m.end(), m.group(0)[:80])
            for m in spans
        ] or [GuardFinding("markup", "block", "HTML/script markup in plain text", 0, len(text), text[:80])]
        result = to_result(findings)
        if isinstance(result, FailResult):
            result.fix_value = clean
        return result
