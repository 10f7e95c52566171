"""Settings: TOML file plus ORDERPROOF_* environment variables, validated once into frozen dataclasses."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints


class SettingsError(ValueError):
    """A setting that cannot be used, explained in one line."""


@dataclass(frozen=True)
class StoreSettings:
    url: str = "sqlite:///orderproof.db"
    media_dir: str = "media"


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    worker_batch: int = 5  # messages per worker transaction: small, so webhooks never wait long for the lock


@dataclass(frozen=True)
class TaggingSettings:
    carry_over_minutes: int = 15
    stale_days: int = 7


@dataclass(frozen=True)
class ImportSettings:
    tz: str = ""


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str = ""
    auth_token: str = ""
    from_number: str = ""
    media_hosts: tuple[str, ...] = ("api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com")
    api_base_url: str = ""
    # approved WhatsApp templates (ContentSid) used outside the 24-hour window, per message kind
    template_reply: str = ""
    template_prompt: str = ""
    template_alert: str = ""
    template_digest: str = ""
    messages_per_second: int = 1  # per sender number

    @property
    def enabled(self) -> bool:
        """On when both secrets are set."""
        return bool(self.account_sid and self.auth_token)


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    webhook_secret: str = ""
    api_base_url: str = ""
    file_base_url: str = ""
    # Telegram's flood limits for outbound messages
    messages_per_second: int = 25  # overall
    group_messages_per_minute: int = 20  # per group
    chat_messages_per_second: int = 1  # per chat

    @property
    def enabled(self) -> bool:
        """On when the bot token is set."""
        return bool(self.token)


@dataclass(frozen=True)
class WecomSettings:
    corp_id: str = ""
    agent_id: str = ""
    secret: str = ""
    token: str = ""
    aes_key: str = ""
    api_base_url: str = ""

    @property
    def enabled(self) -> bool:
        """On when every secret is set."""
        return bool(self.corp_id and self.secret and self.token and self.aes_key)


CADENCES = ("daily", "weekly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()


def _schedule_time(value: str, where: str) -> dt.time:
    """A local send time written HH:MM."""
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None or parsed.second or parsed.microsecond:
        raise SettingsError(f"{where} time must be HH:MM (24-hour), not {value!r}")
    return parsed


def _check_cadence(cadence: str, weekday: str, where: str) -> None:
    if cadence not in CADENCES:
        raise SettingsError(f"{where} cadence must be daily or weekly, not {cadence!r}")
    if weekday not in WEEKDAYS:
        raise SettingsError(f"{where} weekday must be one of {', '.join(WEEKDAYS)}, not {weekday!r}")


@dataclass(frozen=True)
class BuyerOverride:
    """One buyer's own digest time; an empty key falls back to the [schedule] default."""

    buyer_id: str
    time: str = ""
    cadence: str = ""
    weekday: str = ""

    def __post_init__(self) -> None:
        where = f'[schedule.buyers."{self.buyer_id}"]'
        if self.time:
            _schedule_time(self.time, where)
        _check_cadence(self.cadence or CADENCES[0], self.weekday or WEEKDAYS[0], where)


@dataclass(frozen=True)
class ScheduleSettings:
    enabled: bool = True
    time: str = "08:30"  # the buyer's local time
    cadence: str = "daily"  # daily | weekly
    weekday: str = "mon"  # for weekly
    alert_check_minutes: int = 15
    misfire_grace_seconds: int = 3600  # a digest missed by more than this is skipped, not sent late
    buyers: tuple[BuyerOverride, ...] = ()  # [schedule.buyers."<contact id>"] tables

    def __post_init__(self) -> None:
        _schedule_time(self.time, "[schedule]")
        _check_cadence(self.cadence, self.weekday, "[schedule]")
        for key in ("alert_check_minutes", "misfire_grace_seconds"):
            if getattr(self, key) < 1:
                raise SettingsError(f"[schedule] {key} must be at least 1, not {getattr(self, key)}")

    def for_buyer(self, buyer_id: str) -> tuple[dt.time, str, int]:
        """(local time, cadence, weekday 0=Monday) for a buyer: their override where set, else the defaults."""
        own = next((b for b in self.buyers if b.buyer_id == buyer_id), BuyerOverride(buyer_id))
        return (_schedule_time(own.time or self.time, "[schedule]"), own.cadence or self.cadence,
                WEEKDAYS.index(own.weekday or self.weekday))


@dataclass(frozen=True)
class PromptSettings:
    which_order: bool = True  # ask the sender when evidence fits several orders
    ask_for_original: bool = True  # ask for the camera original when a dateless photo is offered as proof
    risk_owner: bool = True  # ask a new risk's owner for the proof that closes it
    delay_report: bool = True  # ask a delay's reporter for what the report lacks
    remind_hours_before: int = 24  # remind a risk's owner this long before its deadline
    escalate_buyer_after_hours: int = 48  # an overdue risk goes to the agent at once, to the buyer after this


@dataclass(frozen=True)
class Settings:
    store: StoreSettings = field(default_factory=StoreSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    tagging: TaggingSettings = field(default_factory=TaggingSettings)
    import_: ImportSettings = field(default_factory=ImportSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    wecom: WecomSettings = field(default_factory=WecomSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    prompts: PromptSettings = field(default_factory=PromptSettings)

    def replace(self, section: str, **values: Any) -> Settings:
        """A copy with some keys of one section changed."""
        key = _attr(section)
        return dataclasses.replace(self, **{key: dataclasses.replace(getattr(self, key), **values)})


def _attr(section: str) -> str:
    return "import_" if section == "import" else section


def _buyer_overrides(value: Any, where: str) -> tuple[BuyerOverride, ...]:
    if not isinstance(value, dict):
        raise SettingsError(f'{where} must be tables such as [schedule.buyers."emma.clarke"] in the config file')
    out = []
    for buyer_id, table in value.items():
        if not isinstance(table, dict):
            raise SettingsError(f'[schedule.buyers."{buyer_id}"] must be a table')
        unknown = sorted(set(table) - {"time", "cadence", "weekday"})
        if unknown:
            raise SettingsError(f'[schedule.buyers."{buyer_id}"] has unknown keys: {", ".join(unknown)}')
        out.append(BuyerOverride(str(buyer_id), **{k: str(v).strip() for k, v in table.items()}))
    return tuple(out)


def _coerce(value: Any, kind: Any, where: str) -> Any:
    if kind is bool:
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{where} must be 1 or 0 (on or off), not {value!r}")
    if kind == tuple[BuyerOverride, ...]:
        return _buyer_overrides(value, where)
    if kind is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{where} must be a whole number, not {value!r}") from None
    if kind == tuple[str, ...]:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        raise SettingsError(f"{where} must be a list")
    return str(value)


def load_settings(config_path: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the config file (if any) with the environment winning over it."""
    env = os.environ if env is None else env
    path = config_path or env.get("ORDERPROOF_CONFIG")
    data: dict[str, Any] = {}
    if path:
        p = Path(path)
        if not p.is_file():
            raise SettingsError(f"config file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{p}: not valid TOML: {exc}") from None
    # the documented short aliases win over the long names
    aliases = {"ORDERPROOF_DATABASE_URL": "ORDERPROOF_STORE_URL", "ORDERPROOF_MEDIA_DIR": "ORDERPROOF_STORE_MEDIA_DIR"}
    env = dict(env)
    for short, long in aliases.items():
        if env.get(short):
            env[long] = env[short]
    sections = {}
    for f in fields(Settings):
        name = "import" if f.name == "import_" else f.name
        cls = f.default_factory  # type: ignore[misc]
        hints = get_type_hints(cls)
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise SettingsError(f"[{name}] must be a table")
        values = {}
        for sf in fields(cls):
            where = f"[{name}] {sf.name}"
            env_value = env.get(f"ORDERPROOF_{name.upper()}_{sf.name.upper()}")
            if env_value is not None and env_value != "":
                values[sf.name] = _coerce(env_value, hints[sf.name], where)
            elif sf.name in raw:
                values[sf.name] = _coerce(raw[sf.name], hints[sf.name], where)
        sections[f.name] = cls(**values)
    return Settings(**sections)
