"""The description a package index shows: README.md with its links made absolute against the project's Source URL
(declared once, in pyproject.toml), since an index has no repository to resolve relative links in. In the repository
the links stay relative."""

import re
import tomllib
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
RELATIVE_LINK = re.compile(r"(!?)\[([^\]]*)\]\((?!https?://|#)([^)]+)\)")


def index_description() -> str:
    source = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]["urls"]["Source"].rstrip("/")
    raw = source.replace("https://github.com/", "https://raw.githubusercontent.com/", 1)

    def absolute(match: re.Match[str]) -> str:
        image, text, target = match.groups()
        return f"{image}[{text}]({raw if image else source + '/blob'}/main/{target})"

    return RELATIVE_LINK.sub(absolute, (HERE / "README.md").read_text())


setup(long_description=index_description(), long_description_content_type="text/markdown")
