"""The configuration file: every key documented with its default, values checked, flags override it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proxim_tray import cli, configfile
from proxim_tray.config import HostConfig
from proxim_tray.configfile import ConfigFileError
from proxim_tray.options import HOST_OPTIONS, OPTIONS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def uncommented_template() -> str:
    return re.sub(r"^# (\w+ = )", r"\1", configfile.template(), flags=re.MULTILINE)


def test_the_template_at_its_defaults_changes_nothing(tmp_path: Path) -> None:
    defaults = configfile.load(write(tmp_path, uncommented_template()))
    assert set(defaults) == {key.option for key in OPTIONS}
    plain = vars(cli.build_parser().parse_args([]))
    for option, value in defaults.items():
        assert plain[option] == value, option


def test_every_key_is_documented_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE))
    template = configfile.template()
    for key in OPTIONS:
        assert key.name in rows, f"{key.name} is missing from docs/configuration.md"
        assert f"# {key.name} = {rows[key.name]}\n" in template, f"{key.name}: the documented default differs"


def test_every_option_is_documented_with_its_flag_in_the_docs_and_the_readme() -> None:
    """One declaration (proxim_tray/options.py) makes the flag and the key: the docs name both, in step."""
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(\w+)` \|.*$", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    }
    readme = (DOCS.parent.parent / "README.md").read_text(encoding="utf-8")
    host_row = next(line for line in readme.splitlines() if line.startswith("| `proxim host ["))
    for option in OPTIONS:
        assert f"`{option.flag}`" in rows[option.name], f"the row of {option.name} does not name {option.flag}"
    for option in HOST_OPTIONS:
        assert re.search(rf"(?<![\w-]){option.flag}(?![\w-])", host_row), f"README's proxim host lacks {option.flag}"


def test_flags_override_the_file(tmp_path: Path) -> None:
    text = 'port = 5000\ntray = false\nqr_png = "~/qr.png"\nstun = ["stun:a"]\nbitrate = "300-900"\nmax_size = 1280\n'
    defaults = configfile.load(write(tmp_path, text))
    from_file = cli.build_parser(None, defaults).parse_args(["host"])
    assert (from_file.port, from_file.no_tray, from_file.stun) == (5000, True, ["stun:a"])
    assert (from_file.bitrate, from_file.max_size) == ((300, 900), 1280)
    assert from_file.qr_png == Path.home() / "qr.png"
    overridden = cli.build_parser(None, defaults).parse_args(["host", "--port", "6000"])
    assert overridden.port == 6000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ('port = "47600"\n', "port must be an int, not '47600'"),
        ("tray = 1\n", "tray must be a bool"),
        ('stun = "stun:a"\n', "stun must be a list of strings"),
        ("port = \n", "cannot read the configuration file"),
        ('codec = "av1"\n', "codec must be one of auto, h264, vp8"),
        ('bitrate = "fast"\n', "bitrate: bitrate 'fast' is not a whole number"),
        ("fps = 500\n", "fps: frame rate 500 is out of range"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError, match=re.escape(message)) as error:
        configfile.load(path)
    assert str(path) in str(error.value)


def test_the_command_stops_on_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "colour = 1\n")
    assert cli.main(["--config", str(path), "stop", "--port", "1"]) == 2
    assert "unknown key 'colour'" in capsys.readouterr().err


def test_a_missing_file_means_defaults(tmp_path: Path) -> None:
    assert configfile.load(tmp_path / "absent.toml") == {}


def test_ensure_exists_writes_the_template_once(tmp_path: Path) -> None:
    path = configfile.ensure_exists(tmp_path / "proxim" / "config.toml")
    assert path.read_text(encoding="utf-8") == configfile.template()
    path.write_text("port = 1\n", encoding="utf-8")
    configfile.ensure_exists(path)
    assert path.read_text(encoding="utf-8") == "port = 1\n"


def test_the_typed_configuration_starts_at_the_options_defaults() -> None:
    """HostConfig (what plugins read) and the option declarations agree on every default."""
    assert cli._config_from(cli.build_parser().parse_args([])) == HostConfig()
