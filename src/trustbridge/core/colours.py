"""Colour contrast by WCAG 2.2, so that an organisation's brand never makes text unreadable."""

from __future__ import annotations

AA_NORMAL_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def best_text_colour(background: str) -> str:
    """White or black, whichever reads best on ``background``.

    One of the two always reaches at least 4.58:1 against any colour, above AA's 4.5:1,
    so any brand colour can be used as a background with this text colour.
    """
    candidates = [(contrast_ratio(background, text), text) for text in ("#ffffff", "#000000")]
    return max(candidates)[1]
