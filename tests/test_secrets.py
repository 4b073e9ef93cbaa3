"""No password or PIN in the crash log; a config file holding a password warns if others read it."""

from __future__ import annotations

import pytest

from posterm import cli, paths
from posterm.config import readable_password_warning


def crash(monkeypatch: pytest.MonkeyPatch, command: str, message: str) -> None:
    def fails(args, config):
        raise RuntimeError(message)

    monkeypatch.setitem(cli.COMMANDS, command, fails)


def test_crash_log_redacts_the_database_url_and_masks_passwords_and_pins(monkeypatch, capsys):
    url = "postgresql://till:s3cr%40t-pw@db.shop:5432/posterm"
    crash(monkeypatch, "user", f"lost {url} for pw hunter2-long and pin 97531 (s3cr@t-pw)")

    argv = ["--database", url, "user", "add", "asha", "--role", "cashier"]
    code = cli.main([*argv, "--password", "hunter2-long", "--pin", "97531"])

    assert code == cli.EXIT_INTERNAL
    assert "details in" in capsys.readouterr().err
    logged = (paths.log_dir() / "crash.log").read_text(encoding="utf-8")
    assert "RuntimeError" in logged and "postgresql://till:***@db.shop:5432/posterm" in logged
    for secret in ("s3cr%40t-pw", "s3cr@t-pw", "hunter2-long", "97531"):
        assert secret not in logged


def test_a_password_in_the_config_file_comes_from_the_file_too(monkeypatch, tmp_path):
    config = tmp_path / "posterm.toml"
    config.write_text('database_url = "postgresql://till:fromfile99@db/posterm"\n')
    config.chmod(0o600)
    crash(monkeypatch, "doctor", "cannot reach postgresql://till:fromfile99@db/posterm")
    assert cli.main(["--config", str(config), "doctor"]) == cli.EXIT_INTERNAL
    logged = (paths.log_dir() / "crash.log").read_text(encoding="utf-8")
    assert "fromfile99" not in logged and "till:***@db" in logged


@pytest.mark.parametrize(
    ("url", "mode", "warns"),
    [
        ("postgresql://till:pw@db/posterm", 0o644, True),
        ("postgresql://till:pw@db/posterm", 0o640, True),
        ("postgresql://till:pw@db/posterm", 0o600, False),
        ("postgresql://till@db/posterm", 0o644, False),  # no password in it
        ("sqlite:///shop.db", 0o666, False),
    ],
)
def test_readable_config_with_a_password_warns_at_start(
    monkeypatch, capsys, tmp_path, url, mode, warns
):
    config = tmp_path / "posterm.toml"
    config.write_text(f'database_url = "{url}"\n')
    config.chmod(mode)
    monkeypatch.setitem(cli.COMMANDS, "doctor", lambda args, cfg: 0)

    assert cli.main(["--config", str(config), "doctor"]) == 0

    err = capsys.readouterr().err
    assert ("other users can read it; run: chmod 600" in err) is warns
    assert err.count("\n") == (1 if warns else 0)
    assert "pw@" not in err
    assert (readable_password_warning(config) is not None) is warns


def test_the_default_config_file_is_checked_too(monkeypatch):
    config = paths.default_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('database_url = "postgresql://till:pw@db/posterm"\n')
    config.chmod(0o604)
    assert "chmod 600" in readable_password_warning()
    monkeypatch.setenv("POSTERM_CONFIG", str(config))
    assert "chmod 600" in readable_password_warning()
