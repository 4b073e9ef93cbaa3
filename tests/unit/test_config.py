"""Terminal config: file, POSTERM_* variables and the command line, and one-line errors."""

from __future__ import annotations

import pytest

from posterm.config import load_config
from posterm.domain.errors import ConfigError


def test_defaults_put_the_database_in_the_data_dir(_isolated_dirs):
    config = load_config()
    assert config.database_url.startswith("sqlite:///")
    assert config.database_url.endswith("posterm/posterm.db")
    assert str(_isolated_dirs) in config.database_url
    assert (config.printer, config.theme, config.idle_lock_minutes) == ("none", "dark", 10)


def test_command_line_beats_environment_beats_file(tmp_path, monkeypatch):
    path = tmp_path / "posterm.toml"
    path.write_text('database_url = "sqlite:///from-file.db"\nprinter = "file:/tmp/p"\n')
    assert load_config(path).database_url == "sqlite:///from-file.db"
    monkeypatch.setenv("POSTERM_DATABASE_URL", "sqlite:///from-env.db")
    assert load_config(path).database_url == "sqlite:///from-env.db"
    assert load_config(path, database_url="sqlite:///cli.db").database_url == "sqlite:///cli.db"
    assert load_config(path).printer == "file:/tmp/p"


def test_config_path_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "till.toml"
    path.write_text('terminal = "till-2"\n')
    monkeypatch.setenv("POSTERM_CONFIG", str(path))
    assert load_config().terminal == "till-2"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('printer = "lpt1"', "config key 'printer'"),
        ("idle_lock_minutes = -1", "config key 'idle_lock_minutes'"),
        ('colour = "red"', "config key 'colour' ({path}): unknown key"),
        ('database_url = "mysql://x"', "config key 'database_url'"),
        ("receipt_columns = 40", "must be 32, 42 or 48"),
        ('printer = "file:/tmp/x', "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path, content, message):
    path = tmp_path / "posterm.toml"
    path.write_text(content + "\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message.format(path=path) in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("POSTERM_SCANNER", "bluetooth")
    with pytest.raises(ConfigError, match=r"'scanner' \(POSTERM_SCANNER\)"):
        load_config()


def test_a_named_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
