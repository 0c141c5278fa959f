"""The settings module in fresh processes: what runs with no environment, what production refuses."""

import os
import subprocess
import sys
from pathlib import Path

from portal.lib.release import release_id

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-that-is-long-enough-and-random-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "portail.example.fr",
    "DATABASE_URL": "sqlite:///:memory:",
    "STRIPE_SECRET_KEY": "sk_test_not_used",
    "STRIPE_WEBHOOK_SECRET": "whsec_not_used",
}


def run(args, env):
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_embedded_default_boots_with_no_environment():
    probe = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.PAYMENT_PROVIDER)"
    )
    result = run(["shell", "-v", "0", "-c", probe], {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "demo",
    ]
    assert run(["check"], {}).returncode == 0


def test_production_refuses_a_missing_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_passes_with_production_values():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_provider_is_refused_with_debug_off_unless_enabled():
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("STRIPE")}
    refused = run(["check"], env)
    assert refused.returncode != 0
    assert "portal.E001" in refused.stderr
    assert run(["check"], {**env, "DEMO_PAYMENTS_ENABLED": "1"}).returncode == 0


def test_links_in_emails_follow_the_port_make_run_serves_unless_site_url_is_set():
    probe = "from django.conf import settings as s; print(s.SITE_URL)"
    assert run(["shell", "-v", "0", "-c", probe], {}).stdout.strip() == "http://127.0.0.1:8000"
    assert run(["shell", "-v", "0", "-c", probe], {"PORT": "8780"}).stdout.strip() == "http://127.0.0.1:8780"
    chosen = {"PORT": "8780", "SITE_URL": "https://portail.example.fr/"}
    assert run(["shell", "-v", "0", "-c", probe], chosen).stdout.strip() == "https://portail.example.fr"


def test_make_run_passes_its_port_to_the_portal():
    makefile = (ROOT / "Makefile").read_text()
    assert "PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)" in makefile


def test_every_cache_key_carries_the_release_so_an_upgrade_shows_its_pages_at_once():
    probe = "from django.core.cache import cache; print(cache.make_key('page'))"
    assert run(["shell", "-v", "0", "-c", probe], {"RELEASE": "2026.12.1"}).stdout.strip() == "2026.12.1:1:page"
    assert run(["shell", "-v", "0", "-c", probe], {"RELEASE": "2026.12.2"}).stdout.strip() == "2026.12.2:1:page"


def test_without_a_release_name_the_release_is_a_digest_of_code_templates_and_catalogues(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "home.html").write_text("Solde")
    before = release_id(tmp_path, ("templates",))
    assert release_id(tmp_path, ("templates",)) == before
    (tmp_path / "templates" / "home.html").write_text("Solde :")
    assert release_id(tmp_path, ("templates",)) != before
