"""Text safe for a terminal or a log: what an APK says reaches the screen as characters, never as control codes.

An app's label, package, certificate subject or entry names are the developer's to choose; an escape sequence
among them could rewrite the terminal (hide lines, fake a verdict, set the window title) and a newline could forge a
second log line. Every character the Unicode database calls non-printable (C0 and C1 controls, line and paragraph
separators, bidirectional overrides...) is shown as ``\\xNN`` (``\\uNNNN`` above 0xff); CJK and other printable
text is kept as it is.
"""

from __future__ import annotations

__all__ = ["printable"]


def printable(text: str) -> str:
    """``text`` with every non-printable character (newlines included) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) <= 0xFF else f"\\u{ord(c):04x}")
                   for c in text)
