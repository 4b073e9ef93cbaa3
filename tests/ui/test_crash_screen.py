"""A crash in the till prints its traceback without the locals, so no typed secret shows."""

from __future__ import annotations

import pytest


async def test_a_crash_traceback_shows_no_locals(make_app, capsys):
    app = make_app()

    def explode() -> None:
        password = "-".join(["hunter2", "typed"])  # a local, as a login handler holds one
        raise RuntimeError(f"boom ({len(password)} characters)")

    with pytest.raises(RuntimeError, match="boom"):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.call_later(explode)
            await pilot.pause()

    shown = capsys.readouterr().err  # Textual prints the crash after the app has gone
    assert "RuntimeError" in shown and "boom (13 characters)" in shown
    assert "hunter2-typed" not in shown
