"""Theme files: the shipped four load; a bad user file is skipped with a notice."""

from __future__ import annotations

from posterm import paths
from posterm.ui.themes import load_themes
from tests.ui.conftest import settle


def test_shipped_themes_load():
    loaded = load_themes(paths.shipped_dir("themes"))
    assert loaded.problems == []
    assert {"dark", "light", "high-contrast", "monochrome"} <= set(loaded.themes)


def test_bad_files_are_named_and_good_ones_still_load(tmp_path):
    (tmp_path / "a-good.toml").write_text('name = "shop"\nprimary = "#336699"\n')
    (tmp_path / "b-colour.toml").write_text('name = "x"\nprimary = "purplish"\n')
    (tmp_path / "c-broken.toml").write_text('name = "y\n')
    (tmp_path / "d-key.toml").write_text('name = "z"\nprimary = "red"\nsparkle = true\n')
    loaded = load_themes(tmp_path)
    assert list(loaded.themes) == ["shop"]
    assert loaded.problems[0] == "theme b-colour.toml: primary: 'purplish' is not a colour"
    assert loaded.problems[1].startswith("theme c-broken.toml: cannot be read")
    assert loaded.problems[2] == "theme d-key.toml: sparkle: unknown key"


async def test_a_bad_theme_in_config_falls_back_with_a_notice(make_app):
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        assert app.theme == "dark"
        assert any("no-such-theme" in str(n.message) for n in app._notifications)
