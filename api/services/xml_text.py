"""Text made fit for XML 1.0: the characters it cannot carry are dropped, never escaped."""

from __future__ import annotations

import re

# XML 1.0 §2.2 `Char`: tab, line feed, carriage return and U+0020 up, less the surrogates,
# U+FFFE and U+FFFF. No escape can carry the others (`&#1;` is not well-formed either).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str | None) -> str:
    """`value` without the characters XML 1.0 forbids; None is the empty string."""
    return _NOT_XML.sub("", value) if value else ""
