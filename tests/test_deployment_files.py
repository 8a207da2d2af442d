"""The deployment files in deploy/ agree with the code: the units start the commands `make run` starts, with the
settings the app reads, and nginx proxies to the address the app binds (systemd and nginx are not run here)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from erms import config

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(DEPLOY / name)
    return parser


def environment() -> dict[str, str]:
    lines = (DEPLOY / "erms.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_units_start_what_make_run_starts():
    run = (ROOT / "scripts" / "run.sh").read_text()
    web, worker = unit("erms-web.service")["Service"], unit("erms-worker.service")["Service"]
    assert web["ExecStart"].endswith("/.venv/bin/gunicorn --config gunicorn.conf.py")
    assert worker["ExecStart"].endswith("/.venv/bin/erms jobs run-scheduler")
    assert 'gunicorn" --config gunicorn.conf.py' in run and 'erms" jobs run-scheduler' in run
    assert (ROOT / "gunicorn.conf.py").exists() and (ROOT / "wsgi.py").exists()
    for service in (web, worker):
        assert service["EnvironmentFile"] == "/etc/erms/erms.env" and service["User"] == "erms"


def test_the_environment_file_names_only_settings_the_app_reads():
    known = {f"ERMS_{key}" for key in config.DEFAULTS} | {"DATABASE_URL", "ERMS_BIND", "ERMS_THREADS"}
    assert set(environment()) <= known
    assert environment()["ERMS_PROXY_COUNT"] == "1"


def test_nginx_proxies_to_the_bound_address_and_lets_uploads_through():
    nginx = (DEPLOY / "nginx-erms.conf").read_text()
    assert f"proxy_pass http://{environment()['ERMS_BIND']};" in nginx
    body = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1)) * 1024 * 1024
    assert body > config.DEFAULTS["MAX_CONTENT_LENGTH"]
