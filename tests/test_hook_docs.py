"""docs/plugin_hooks.md documents exactly the hooks declared in proxim_tray/hookspecs.py, and every hook is exercised
by some test. The hooks are read from the specs, never listed here, so adding a hook makes these tests ask for it."""

from __future__ import annotations

import inspect
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from proxim_tray import hookspecs

TESTS = Path(__file__).resolve().parent
DOC = TESTS.parent / "docs" / "plugin_hooks.md"
PYPROJECT = TESTS.parent / "pyproject.toml"
SPEC_MARKER = f"{hookspecs.PROJECT_NAME}_spec"
HOOK_HEADING = re.compile(r"^### (proxim_\w+)\((.*)\)\s*$")
FIRSTRESULT = re.compile(r"\*\*firstresult\*\*: (yes|no)\b")


def _specs() -> dict[str, Callable[..., Any]]:
    return {name: value for name, value in vars(hookspecs).items() if hasattr(value, SPEC_MARKER)}


def _spec_groups() -> dict[str, str]:
    """The group of each hook, from the ``# -- group ---`` comments that divide hookspecs.py."""
    groups: dict[str, str] = {}
    group = ""
    for line in inspect.getsource(hookspecs).splitlines():
        if match := re.match(r"^# -- (.+?) -+$", line):
            group = match.group(1)
        elif match := re.match(r"^def (proxim_\w+)\(", line):
            groups[match.group(1)] = group
    return groups


SPECS = _specs()
SPEC_GROUPS = _spec_groups()


@dataclass
class Section:
    heading: str
    level: int
    group: str  # the ``##`` section it is in
    body: str


def _sections(text: str) -> list[Section]:
    """The ``##`` and ``###`` sections of a Markdown text; lines in fenced code blocks are never headings."""
    sections: list[Section] = []
    group = ""
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (match := re.match(r"^(#{2,3}) (.+?)\s*$", line)):
            level = len(match.group(1))
            if level == 2:
                group = match.group(2)
            sections.append(Section(match.group(2), level, group, ""))
            continue
        if sections:
            sections[-1].body += line + "\n"
    return sections


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.fixture(scope="module")
def doc() -> str:
    assert DOC.is_file(), f"{DOC} is missing"
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hook_sections(doc: str) -> dict[str, Section]:
    found: dict[str, Section] = {}
    for section in _sections(doc):
        if match := HOOK_HEADING.match(f"### {section.heading}"):
            assert section.level == 3, f"hook heading {section.heading!r} must be a ### heading"
            assert match.group(1) not in found, f"{match.group(1)} is documented twice"
            found[match.group(1)] = section
    return found


def test_hookspecs_are_found() -> None:
    assert len(SPECS) >= 10
    assert set(SPEC_GROUPS) == set(SPECS), "every hookspec should sit under a '# -- group ---' comment"


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_every_hook_has_a_heading_with_its_arguments(hook: str, hook_sections: dict[str, Section]) -> None:
    arguments = ", ".join(inspect.signature(SPECS[hook]).parameters)
    expected = f"### {hook}({arguments})"
    assert hook in hook_sections, f"docs/plugin_hooks.md has no section for {hook}: add {expected!r}"
    assert f"### {hook_sections[hook].heading}" == expected


def test_doc_names_no_hook_that_does_not_exist(doc: str, hook_sections: dict[str, Section]) -> None:
    headings = {f"### {section.heading}" for section in _sections(doc) if section.heading.startswith("proxim_")}
    unknown_headings = sorted(heading for heading in headings if HOOK_HEADING.match(heading) is None)
    assert unknown_headings == [], "malformed hook headings"
    assert sorted(set(hook_sections) - set(SPECS)) == [], "documented hooks that hookspecs.py does not declare"
    # implementations and calls in examples and prose: ``def proxim_x(`` or ``proxim_x(...)``
    called = set(re.findall(r"\b(proxim_\w+)\(", doc))
    assert sorted(called - set(SPECS)) == [], "the doc implements or calls hooks that do not exist"
    linked = set(re.findall(r"\[`(proxim_\w+)`\]\(#", doc))
    assert sorted(linked - set(SPECS)) == [], "the doc links to hooks that do not exist"


def test_doc_links_resolve(doc: str) -> None:
    anchors = {_slug(section.heading) for section in _sections(doc)}
    links = set(re.findall(r"\]\(#([^)]+)\)", doc))
    assert sorted(links - anchors) == [], f"links to missing headings (headings: {sorted(anchors)})"


def test_doc_lists_the_built_in_plugins_by_name(doc: str) -> None:
    """``--disable-plugin NAME`` needs the names: the doc lists exactly the entry points pyproject.toml declares."""
    entry_points = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["entry-points"]["proxim"]
    sentence = re.search(r"built-in plugins are (.+?)\.", " ".join(doc.split()))
    assert sentence is not None, "the doc should say 'The built-in plugins are `a`, `b` and `c`.'"
    assert sorted(re.findall(r"`(\w+)`", sentence.group(1))) == sorted(entry_points)


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_every_hook_is_documented_in_its_group(hook: str, hook_sections: dict[str, Section]) -> None:
    if hook not in hook_sections:
        pytest.fail(f"{hook} is not documented")
    assert hook_sections[hook].group.lower() == SPEC_GROUPS[hook].lower(), (
        f"{hook} is declared under '{SPEC_GROUPS[hook]}' in hookspecs.py but documented under "
        f"'## {hook_sections[hook].group}'"
    )


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_every_hook_section_is_complete(hook: str, hook_sections: dict[str, Section]) -> None:
    if hook not in hook_sections:
        pytest.fail(f"{hook} is not documented")
    body = hook_sections[hook].body
    for part in ("**Called**", "**Arguments**", "**Returns**"):
        assert part in body, f"the section on {hook} does not say {part}"
    firstresult = FIRSTRESULT.search(body)
    assert firstresult is not None, f"the section on {hook} does not say '**firstresult**: yes' or '... no'"
    is_firstresult = bool(getattr(SPECS[hook], SPEC_MARKER).get("firstresult"))
    assert firstresult.group(1) == ("yes" if is_firstresult else "no"), f"{hook}: firstresult is {is_firstresult}"
    examples = re.findall(r"^```python\n(.*?)^```", body, re.MULTILINE | re.DOTALL)
    assert any(re.search(rf"^(async )?def {hook}\(", code, re.MULTILINE) for code in examples), (
        f"the section on {hook} has no example implementation"
    )
    for code in examples:
        compile(code, f"<{hook} example>", "exec")


def _test_files() -> list[Path]:
    this = Path(__file__).resolve()
    return sorted(
        path.resolve()
        for pattern in ("test_*.py", "*_test.py")
        for path in TESTS.rglob(pattern)
        if path.resolve() != this
    )


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_every_hook_is_exercised_by_a_test(hook: str) -> None:
    mention = re.compile(rf"\b{hook}\b")
    files = _test_files()
    assert any(mention.search(path.read_text(encoding="utf-8")) for path in files), (
        f"no test under tests/ mentions {hook}: exercise it in a test (searched {[path.name for path in files]})"
    )
