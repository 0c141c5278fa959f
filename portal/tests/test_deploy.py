"""deploy/ is what a host copies: it must say what the README says and cover every setting."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_the_environment_file_lists_every_variable_the_settings_read():
    settings = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env(?:bool|int)?\("([A-Z_]+)"', settings))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (DEPLOY / "openself.env").read_text(), re.MULTILINE))
    assert read - listed == set()


def test_the_units_run_the_readmes_commands():
    readme = (ROOT / "README.md").read_text()
    for unit in ("web", "worker", "beat"):
        text = (DEPLOY / f"openself-{unit}.service").read_text()
        command = re.search(r"^ExecStart=/srv/openself/venv/bin/(.+)$", text, re.MULTILINE).group(1)
        assert f"\n{command} " in readme, command
        assert "EnvironmentFile=/etc/openself/openself.env" in text and "User=openself" in text


def test_the_nginx_site_buffers_requests_and_times_slow_clients_out():
    site = (DEPLOY / "nginx-openself.conf").read_text()
    for directive in (
        "proxy_request_buffering on;",
        "client_body_timeout 10s;",
        "client_header_timeout 10s;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
    ):
        assert directive in site
