"""Settings: B24_OAUTH_URL is read as the host or as the token URL the docs print."""

from __future__ import annotations

import pytest

from config import Settings, oauth_base_url
from tests.conftest import make_settings

ENV = {"B24_CLIENT_ID": "local.1", "B24_CLIENT_SECRET": "s", "APP_PUBLIC_URL": "https://app.test",
       "SECRET_KEY": "k", "TOKEN_KEYS": "Ry8LJIMZErdhH7i9vY9EdOG4RvZtfJy4adr5wmkVZOA="}


@pytest.mark.parametrize("given", [
    "https://oauth.bitrix.info", "https://oauth.bitrix.info/",
    "https://oauth.bitrix.info/oauth/token/", "https://oauth.bitrix.info/oauth/token",
    "https://oauth.bitrix.info/oauth/", " https://oauth.bitrix.info/oauth/token/ ",
])
def test_oauth_url_host_and_token_url_give_the_same_origin(given: str) -> None:
    assert oauth_base_url(given) == "https://oauth.bitrix.info"


@pytest.mark.parametrize("given", [
    "http://127.0.0.1:5001", "http://127.0.0.1:5001/", "http://127.0.0.1:5001/oauth/token/",
])
def test_oauth_url_keeps_http_and_port_for_the_emulated_portal(given: str) -> None:
    assert oauth_base_url(given) == "http://127.0.0.1:5001"


def test_oauth_url_keeps_a_path_prefix_other_than_the_token_path() -> None:
    assert oauth_base_url("https://proxy.test/b24/oauth/token/") == "https://proxy.test/b24"


def test_from_env_reads_the_token_url_as_the_host() -> None:
    env = {**ENV, "B24_OAUTH_URL": "https://oauth.bitrix.info/oauth/token/"}
    assert Settings.from_env(env).b24_oauth_url == "https://oauth.bitrix.info"


def test_settings_built_directly_are_normalised_too(tmp_path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path}/x.db",
                             b24_oauth_url="http://oauth.test/oauth/token/")
    assert settings.b24_oauth_url == "http://oauth.test"


def test_worker_threads_default_and_bounds() -> None:
    from config import ConfigError

    assert Settings.from_env(ENV).worker_threads == 16
    assert Settings.from_env({**ENV, "WORKER_THREADS": "1"}).worker_threads == 1
    for bad in ("0", "257", "many"):
        with pytest.raises(ConfigError):
            Settings.from_env({**ENV, "WORKER_THREADS": bad})


def test_process_env_rebuilds_the_same_settings() -> None:
    """Worker and benchmark children are started with process_env(): they must get our settings."""
    settings = Settings.from_env({**ENV, "DATABASE_URL": "sqlite:///x.db"})
    again = Settings.from_env(settings.process_env())
    assert again.process_env() == settings.process_env()
    assert again.token_keys == settings.token_keys and again.database_url == "sqlite:///x.db"
