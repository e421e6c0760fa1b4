"""A short, human description of a browser from its User-Agent header, for the approval prompt."""

from __future__ import annotations

import re

_OS = (
    (r"Android", "Android"),
    (r"iPhone|iPod", "iPhone"),
    (r"iPad", "iPad"),
    (r"CrOS", "ChromeOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux|X11", "Linux"),
)
_BROWSERS = (
    (r"Edg(?:e|A|iOS)?/", "Edge"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"CriOS/|Chrome/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)


def describe(user_agent: str) -> tuple[str, str]:
    """(operating system, browser) named in ``user_agent``; "unknown" for what cannot be told."""
    system = next((name for pattern, name in _OS if re.search(pattern, user_agent)), "unknown")
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), "unknown")
    if user_agent.startswith("Python/") or "aiohttp" in user_agent:
        browser = "Proxim client"
    return system, browser
