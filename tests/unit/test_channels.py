"""One channel spec per channel, read by the renderer and the drafting node."""

from __future__ import annotations

import pytest

from tools.channels import UnknownChannelError, channel_spec
from tools.content import CHANNELS, channel_limits


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_has_a_complete_spec(channel: str) -> None:
    spec = channel_spec(channel)
    assert spec.display("de") and spec.display("en") and spec.display("de") != spec.display("en")
    assert spec.schema_type in {"Article", "Product", "CreativeWork", "EmailMessage", "WebPage"}
    assert spec.limits == channel_limits(channel), "limits come from the prompt's front matter"
    assert "sections[].body" in spec.published_fields and spec.prompt_name


def test_unknown_channel_is_a_clear_error() -> None:
    with pytest.raises(UnknownChannelError, match="poem"):
        channel_spec("poem")
