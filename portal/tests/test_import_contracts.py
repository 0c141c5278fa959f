"""The layers (``.importlinter``) hold, and each contract fails when a forbidden import is added, in a module
named in the contracts or in a new one that nothing names.

Each case copies the apps' Python files to a scratch folder, adds one forbidden import and runs
``lint-imports`` there: a contract that could not fail would let that import through.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["portal", "accounts", "billing", "canteen"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "portal.family > accounts | billing > canteen > portal.lib"
ON_TOP = "no layer imports the project's files at portal's root"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / ".importlinter")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_project_keeps_every_contract(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("canteen/models.py", "import billing.models", LAYERS),
        ("canteen/models.py", "import accounts.models", LAYERS),
        ("billing/ledger.py", "import accounts.models", LAYERS),  # accounts and billing are independent
        ("accounts/decisions.py", "import billing.ledger", LAYERS),
        ("billing/views.py", "import portal.family.home", LAYERS),
        ("portal/lib/money.py", "import canteen.models", LAYERS),
        ("portal/lib/emails.py", "import portal.family.models", LAYERS),
        # Modules that no contract names: a new one in an app, a new one on the floor.
        ("billing/rebates.py", "import portal.family.models", LAYERS),
        ("portal/lib/holidays.py", "import canteen.models", LAYERS),
        ("portal/family/home.py", "import portal.roles", ON_TOP),
        ("billing/views.py", "import portal.settings", ON_TOP),
        ("portal/lib/cache.py", "import portal.celery", ON_TOP),
        ("canteen/admin.py", "import portal.kitchen", ON_TOP),  # a new file at portal's root
    ],
)
def test_a_forbidden_import_breaks_its_contract(tree, module, forbidden, contract):
    path = tree / module
    if forbidden == "import portal.kitchen":
        (tree / "portal" / "kitchen.py").write_text('"""A project file added at portal\'s root."""\n')
    text = path.read_text() if path.exists() else '"""A module that no contract names."""\n'
    path.write_text(text + f"\n{forbidden}  # added by the test\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout, result.stdout
