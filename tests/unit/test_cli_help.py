"""`flask --app app …` without the environment: help works, a command names what is missing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import create_app
from config import REQUIRED, ROOT, ConfigError


def flask(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED and not k.startswith("FLASK_")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_flask_help_lists_the_commands_without_settings() -> None:
    done = flask("--help")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for command in ("worker", "scheduler", "serve", "sync", "init-db", "rotate-keys"):
        assert f"  {command} " in done.stdout


@pytest.mark.parametrize("command", ["worker", "scheduler", "serve"])
def test_command_help_works_without_settings(command: str) -> None:
    done = flask(command, "--help")
    assert done.returncode == 0, done.stderr
    assert f"Usage: python -m flask {command}" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_running_a_command_without_settings_names_the_missing_ones() -> None:
    done = flask("sync")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "`flask sync` needs its settings: missing environment variables: " in done.stderr
    assert all(key in done.stderr for key in REQUIRED)


def test_outside_the_flask_cli_a_missing_setting_still_stops_start_up(monkeypatch) -> None:
    """gunicorn 'app:create_app()' must fail at start-up, not serve an app that refuses."""
    for key in (*REQUIRED, "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ConfigError, match="B24_CLIENT_ID"):
        create_app()
