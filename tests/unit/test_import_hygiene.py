"""The layers hold at run time too: rules and services load without Textual, and so does the CLI."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


def test_domain_loads_no_ui_and_no_database():
    modules = loaded_after(
        "import posterm.domain.cart, posterm.domain.permissions, "
        "posterm.domain.store_settings, posterm.domain.barcodes"
    )
    assert not {"textual", "rich", "peewee"} & modules


def test_services_and_the_cli_load_no_textual():
    modules = loaded_after("import posterm.cli, posterm.services.auth, posterm.services.doctor")
    assert "textual" not in modules
