"""20 simultaneous "JE VALIDE" on the embedded SQLite default: every click answered, one credit.

The suite's own SQLite database is in memory, where SQLite's file locking never happens: the clicks
run in a subprocess over a file database (``sqlite_clicks``), one thread and connection per click.
Without the settings' SQLite OPTIONS the same run answers "database is locked" (see its ``--plain``).
"""

import json
import subprocess
import sys

from django.conf import settings


def run_clicks(tmp_path, *flags) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_clicks", str(tmp_path / "db.sqlite3"), "20", *flags],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_twenty_simultaneous_clicks_are_all_answered_and_credit_once(tmp_path):
    outcome = run_clicks(tmp_path)
    assert outcome == {"codes": {"302": 20}, "errors": [], "credits": 1, "balanced": True}
