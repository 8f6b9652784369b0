"""Finding 5: a database dump gives no working token.

OAuth tokens are Fernet-encrypted under TOKEN_KEYS (not SECRET_KEY); application_token is kept
only as an HMAC. Keys rotate with `flask --app app rotate-keys`; one migration converts the
rows written before.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from config import ConfigError, Settings
from store import crypto, portals
from store.db import Base
from store.migrate import upgrade
from tests.abuse.test_targeted import event
from tests.conftest import TOKEN_KEYS


def dump(engine) -> str:
    """Every row of every table as text: what a stolen backup shows."""
    with engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in conn.execute(text(f"SELECT * FROM {table.name}")))


def test_a_dump_holds_no_token_in_clear(engine, tenants) -> None:
    a, b = tenants
    raw = dump(engine)
    for secret in ("access-a-portal-token", "refresh-a-portal-token",
                   "access-b-portal-token", a.application_token, b.application_token):
        assert secret not in raw


def test_application_token_is_a_keyed_hash(sessions, tenants) -> None:
    a, _ = tenants
    with sessions() as s:
        row = portals.find(s, a.member_id)
        assert row.application_token_hash.startswith(crypto.ring().primary + ":")
        assert portals.application_token_matches(row, a.application_token)
        for wrong in (None, "", a.application_token.lower(), a.application_token + " "):
            assert not portals.application_token_matches(row, wrong)
    other = crypto.KeyRing([Fernet.generate_key().decode()])  # same token, other key
    assert other.digest(a.application_token) != row.application_token_hash


def test_token_keys_are_required_and_not_the_secret_key() -> None:
    env = {"B24_CLIENT_ID": "x", "B24_CLIENT_SECRET": "y", "APP_PUBLIC_URL": "http://a",
           "SECRET_KEY": "s"}
    with pytest.raises(ConfigError, match="TOKEN_KEYS"):
        Settings.from_env(env)
    with pytest.raises(crypto.KeyRingError):
        crypto.KeyRing(["not-a-fernet-key"])
    settings = Settings.from_env({**env, "TOKEN_KEYS": f"{TOKEN_KEYS[0]}, "})
    assert [k.value for k in settings.token_keys] == [TOKEN_KEYS[0]]


def test_rotate_keys_re_encrypts_and_old_hashes_renew_on_use(app, client, engine, tenants,
                                                            sessions) -> None:
    a, _ = tenants
    new = Fernet.generate_key().decode()
    old_ring = crypto.ring()
    try:
        crypto.use(crypto.KeyRing([new, *TOKEN_KEYS]))
        result = app.test_cli_runner().invoke(args=["rotate-keys"])
        assert result.exit_code == 0, result.output
        assert "re-encrypted 4 token(s); 2 application_token hash(es)" in result.output
        assert client.post("/b24/events", data=event(a)).status_code == 200  # renews a's hash
        crypto.use(crypto.KeyRing([new]))  # the old key is gone: tokens still readable
        with sessions() as s:
            row = portals.find(s, a.member_id)
            assert row.access_token == "access-a-portal-token"
            assert portals.application_token_matches(row, a.application_token)
        again = app.test_cli_runner().invoke(args=["rotate-keys"])
        assert "re-encrypted 0 token(s); 1 application_token" in again.output  # b's, unused
    finally:
        crypto.use(old_ring)


def test_migration_encrypts_the_rows_written_before(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "a3c9d2e4f6b1")
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text(
            "INSERT INTO portals (member_id, domain, client_endpoint, access_token, "
            "refresh_token, application_token, scope, status, lang, installed_at, updated_at) "
            "VALUES ('m1', 'x.bitrix24.ru', 'https://x/rest/', 'plain-access', "
            "'plain-refresh', 'plain-app-token', 'crm', 'active', 'ru', "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00')"))
    upgrade(url)
    with eng.connect() as conn:
        access, refresh, digest = conn.execute(text(
            "SELECT access_token, refresh_token, application_token_hash FROM portals")).one()
    eng.dispose()
    ring = crypto.ring()
    assert ring.decrypt(access) == "plain-access" and ring.decrypt(refresh) == "plain-refresh"
    assert "plain" not in access + refresh + digest
    assert ring.matches(digest, "plain-app-token")
