"""PII detection and scrubbing with Presidio (English spaCy NER, German rules and checksums).

Public API: :class:`PiiScrubber`, :class:`ScrubResult`, :class:`PiiFinding`,
:class:`PseudonymMap`. Importing this package is cheap; the analyzer loads on first use.
"""

from tools.telemetry import disable_telemetry

disable_telemetry()  # before presidio imports tldextract, which fetches a suffix list otherwise

from tools.pii.models import PiiFinding, PseudonymMap, ScrubResult  # noqa: E402
from tools.pii.scrubber import DEFAULT_ENTITIES, PiiScrubber  # noqa: E402

__all__ = ["DEFAULT_ENTITIES", "PiiFinding", "PiiScrubber", "PseudonymMap", "ScrubResult"]
