"""The app dependency rules (``.importlinter``) hold, and each one fails when a forbidden import is added.

Each case copies the apps' Python files to a scratch folder, adds one forbidden import and
runs ``lint-imports`` there: a contract that could not fail would let that import through.
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
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("canteen/models.py", "import billing.models", "canteen imports no other app"),
        ("canteen/models.py", "import accounts.models", "canteen imports no other app"),
        ("billing/ledger.py", "import accounts.models", "accounts and billing do not import each other"),
        ("accounts/decisions.py", "import billing.ledger", "accounts and billing do not import each other"),
        ("billing/views.py", "import portal.views", "the apps import nothing of portal but portal.lib"),
        ("accounts/views.py", "import portal.establishments", "the apps import nothing of portal but portal.lib"),
        ("portal/lib/money.py", "import canteen.models", "portal.lib imports no app"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tree, module, forbidden, contract):
    path = tree / module
    path.write_text(path.read_text() + f"\n{forbidden}  # added by the test\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
