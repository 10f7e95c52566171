"""Where settings come from: `--db` over the environment over the config file, as CONTRACT says."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings
from tests.fixtures import Workspace, scalar, write_order_book


def write_config(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def orders_in(db: Path) -> int:
    return scalar(db, "SELECT count(*) FROM orders") if db.exists() else 0


@pytest.fixture
def three_databases(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A config file naming file.db, ORDERPROOF_STORE_URL naming store.db; the test adds the rest."""
    dbs = {name: ws.root / f"{name}.db" for name in ("file", "store", "alias", "flag")}
    config = write_config(ws.root / "orderproof.toml", f'[store]\nurl = "sqlite:///{dbs["file"]}"\n')
    monkeypatch.setenv("ORDERPROOF_CONFIG", str(config))
    return dbs


def test_the_config_file_names_the_database_when_nothing_else_does(ws: Workspace,
                                                                    three_databases: dict[str, Path]) -> None:
    assert ws.cli("orders", "import", write_order_book(ws.root / "orders.json")).code == 0

    assert orders_in(three_databases["file"]) == 3
    assert not (ws.root / "orderproof.db").exists()


def test_orderproof_store_url_beats_the_config_file(ws: Workspace, three_databases: dict[str, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERPROOF_STORE_URL", f"sqlite:///{three_databases['store']}")

    assert ws.cli("orders", "import", write_order_book(ws.root / "orders.json")).code == 0

    assert orders_in(three_databases["store"]) == 3
    assert orders_in(three_databases["file"]) == 0


def test_orderproof_database_url_beats_orderproof_store_url(ws: Workspace, three_databases: dict[str, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERPROOF_STORE_URL", f"sqlite:///{three_databases['store']}")
    monkeypatch.setenv("ORDERPROOF_DATABASE_URL", f"sqlite:///{three_databases['alias']}")

    assert ws.cli("orders", "import", write_order_book(ws.root / "orders.json")).code == 0

    assert orders_in(three_databases["alias"]) == 3
    assert orders_in(three_databases["store"]) == orders_in(three_databases["file"]) == 0


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_db_option_beats_the_environment(ws: Workspace, three_databases: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setenv("ORDERPROOF_DATABASE_URL", f"sqlite:///{three_databases['alias']}")
    flag = ["--db", f"sqlite:///{three_databases['flag']}"]
    command = ["orders", "import", str(write_order_book(ws.root / "orders.json"))]

    result = ws.cli(*(flag + command if where == "before" else command + flag))

    assert result.code == 0, result.err
    assert orders_in(three_databases["flag"]) == 3
    assert orders_in(three_databases["alias"]) == 0


def test_the_config_option_beats_orderproof_config(ws: Workspace, three_databases: dict[str, Path]) -> None:
    other = write_config(ws.root / "other.toml", f'[store]\nurl = "sqlite:///{three_databases["flag"]}"\n')

    assert ws.cli("orders", "import", write_order_book(ws.root / "orders.json"), "--config", other).code == 0

    assert orders_in(three_databases["flag"]) == 3
    assert orders_in(three_databases["file"]) == 0


def test_the_database_defaults_to_orderproof_db_in_the_working_directory(ws: Workspace) -> None:
    assert ws.cli("orders", "import", write_order_book(ws.root / "orders.json")).code == 0

    assert orders_in(ws.root / "orderproof.db") == 3


def test_media_dir_alias_beats_the_long_name_which_beats_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.toml", '[store]\nmedia_dir = "from-file"\n')

    assert load_settings(config, env={}).store.media_dir == "from-file"
    assert load_settings(config, env={"ORDERPROOF_STORE_MEDIA_DIR": "long"}).store.media_dir == "long"
    assert load_settings(config, env={"ORDERPROOF_STORE_MEDIA_DIR": "long",
                                      "ORDERPROOF_MEDIA_DIR": "alias"}).store.media_dir == "alias"
    assert load_settings(None, env={}).store.media_dir == "media"


def test_url_alias_beats_the_long_name_which_beats_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.toml", '[store]\nurl = "sqlite:///file.db"\n')

    assert load_settings(config, env={}).store.url == "sqlite:///file.db"
    assert load_settings(config, env={"ORDERPROOF_STORE_URL": "sqlite:///long.db"}).store.url == "sqlite:///long.db"
    assert load_settings(config, env={"ORDERPROOF_STORE_URL": "sqlite:///long.db",
                                      "ORDERPROOF_DATABASE_URL": "sqlite:///a.db"}).store.url == "sqlite:///a.db"
    assert load_settings(None, env={}).store.url == "sqlite:///orderproof.db"


def test_list_values_from_the_environment_are_comma_separated(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.toml", '[twilio]\nmedia_hosts = ["from.file"]\n')

    assert load_settings(config, env={}).twilio.media_hosts == ("from.file",)
    settings = load_settings(config, env={"ORDERPROOF_TWILIO_MEDIA_HOSTS": "api.twilio.com, 127.0.0.1:8765,,"})
    assert settings.twilio.media_hosts == ("api.twilio.com", "127.0.0.1:8765")


def test_any_key_can_come_from_the_environment_and_wins_over_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.toml", '[twilio]\nauth_token = "in-file"\n[server]\nport = 9000\n')

    settings = load_settings(config, env={"ORDERPROOF_TWILIO_AUTH_TOKEN": "from-env", "ORDERPROOF_SERVER_PORT": "81",
                                          "ORDERPROOF_TELEGRAM_WEBHOOK_SECRET": "s3cret"})

    assert (settings.twilio.auth_token, settings.server.port, settings.telegram.webhook_secret) == \
        ("from-env", 81, "s3cret")


def test_a_missing_config_file_is_one_clear_line(ws: Workspace) -> None:
    result = ws.cli("--config", ws.root / "nope.toml", "orders", "import", write_order_book(ws.root / "o.json"))

    assert result.code != 0
    assert result.err_lines == [f"orderproof: error: config file not found: {ws.root / 'nope.toml'}"]


def test_a_missing_config_file_named_by_the_environment_is_one_clear_line(ws: Workspace,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERPROOF_CONFIG", str(ws.root / "gone.toml"))

    result = ws.cli("orders", "import", write_order_book(ws.root / "o.json"))

    assert result.code != 0 and len(result.err_lines) == 1 and "gone.toml" in result.err


def test_a_config_file_that_is_not_toml_is_one_clear_line(ws: Workspace) -> None:
    bad = write_config(ws.root / "bad.toml", "[store\nurl = \n")

    result = ws.cli("--config", bad, "orders", "import", write_order_book(ws.root / "o.json"))

    assert result.code != 0 and len(result.err_lines) == 1 and "bad.toml" in result.err


def test_a_setting_of_the_wrong_type_is_one_clear_line(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERPROOF_SERVER_PORT", "eighty")

    result = ws.cli("orders", "import", write_order_book(ws.root / "o.json"))

    assert result.code != 0
    assert result.err_lines == ["orderproof: error: [server] port must be a whole number, not 'eighty'"]
