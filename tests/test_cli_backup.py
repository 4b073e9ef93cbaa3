"""`posterm backup` and `posterm restore` from the shell: progress, verified summary, refusals."""

from __future__ import annotations

from posterm.cli import main
from posterm.data.models import ALL_MODELS
from posterm.services import system


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_backup_then_restore_into_a_new_database_and_doctor_is_clean(capsys, tmp_path):
    shop = f"sqlite:///{tmp_path / 'shop.db'}"
    assert run(capsys, "--database", shop, "demo", "--no-run")[0] == 0

    code, out, err = run(capsys, "--database", shop, "backup")
    assert code == 0, err
    assert f"backing up  1/{len(ALL_MODELS)} app_user: 2 rows" in err.splitlines()
    written = out.split(" to ")[-1].strip()
    assert "/backups/posterm-" in written and written.endswith(".db")

    code, out, err = run(capsys, "--database", shop, "backup", "--portable", str(tmp_path / "s.gz"))
    assert code == 0 and "portable" in out

    copy = ""
    for n, backup_file in enumerate((written, str(tmp_path / "s.gz"))):
        target = f"sqlite:///{tmp_path / f'copy-{n}.db'}"
        code, out, err = run(capsys, "--database", target, "restore", backup_file)
        assert code == 0, err
        assert "every row count and checksum matches the backup" in out
        assert out.count("\nok   ") + out.startswith("ok   ") == len(ALL_MODELS)
        assert f"{len(ALL_MODELS)}/{len(ALL_MODELS)} purchase_draft" in err  # per-table progress
        code, out, _ = run(capsys, "--database", target, "doctor")
        assert code == 0 and "all checks passed" in out
        copy = target

    code, out, err = run(capsys, "--database", copy, "restore", written)
    assert code == 1 and out == ""
    assert err.strip().splitlines()[-1].startswith("posterm: this database already holds data")


def test_a_cut_backup_is_refused_in_one_line(capsys, tmp_path):
    shop = f"sqlite:///{tmp_path / 'shop.db'}"
    assert run(capsys, "--database", shop, "demo", "--no-run")[0] == 0
    full = tmp_path / "full.jsonl.gz"
    assert run(capsys, "--database", shop, "backup", "--portable", str(full))[0] == 0
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(full.read_bytes()[:50_000])

    target = f"sqlite:///{tmp_path / 'new.db'}"
    code, _, err = run(capsys, "--database", target, "restore", str(cut))
    errors = [line for line in err.splitlines() if line.startswith("posterm:")]
    assert code == 1 and len(errors) == 1 and "not a usable posterm backup" in errors[0]
    system.open_store(target)
    assert sum(model.select().count() for model in ALL_MODELS) == 0
    system.close()

    code, _, err = run(capsys, "--database", target, "restore", str(tmp_path / "missing.db"))
    assert code == 1 and err.count("\n") == 1 and "cannot read" in err
