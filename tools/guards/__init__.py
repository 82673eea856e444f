"""Guardrails for drafts, briefs and sources: brand safety, tone, copying, PII, injection, markup.

Public API: :class:`GuardSuite`, :class:`GuardFinding`, :func:`detect_injection`,
:func:`neutralize_injections`, :func:`sanitize_text`, :class:`GuardLimits` (defined with the
channel spec in :mod:`tools.channels`, re-exported here as the guards' limit type).
Telemetry of guardrails-ai is switched off before it is imported.
"""

from tools.telemetry import disable_telemetry

disable_telemetry()  # guardrails reads ~/.guardrailsrc and nltk data at import

from tools.channels import GuardLimits  # noqa: E402
from tools.guards.findings import GuardFinding  # noqa: E402
from tools.guards.guidelines import BannedPhrase, Guidelines, parse_guidelines  # noqa: E402
from tools.guards.injection import detect_injection, neutralize_injections  # noqa: E402
from tools.guards.sanitize import has_markup, sanitize_text  # noqa: E402
from tools.guards.suite import GuardSuite  # noqa: E402

__all__ = [
    "BannedPhrase",
    "GuardFinding",
    "GuardLimits",
    "GuardSuite",
    "Guidelines",
    "detect_injection",
    "has_markup",
    "neutralize_injections",
    "parse_guidelines",
    "sanitize_text",
]
