"""Runtime settings from the environment and `.env` (mirrored line for line by `.env.example`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- core ---
    database_url: str = "sqlite+aiosqlite:///./data/servicedesk.db"
    agency: str = "babel"
    locale: str = "id"
    data_dir: Path = Path("./data")
    catalog_dir: Path | None = None
    calendar_dir: Path | None = None
    max_attachment_bytes: int = 10 * 1024 * 1024
    log_level: str = "INFO"

    # --- server (channels) ---
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    web_session_secret: str = ""

    # --- uploads, disk and abuse limits (README "Security") ---
    upload_pending_files_per_requester: int = 20
    upload_pending_bytes_per_requester: int = 50 * 1024 * 1024
    upload_pending_bytes_total: int = 2 * 1024 * 1024 * 1024
    upload_abandoned_after_hours: float = 72.0
    uploads_in_flight: int = 8
    min_free_disk_bytes: int = 512 * 1024 * 1024
    web_rate_limit_per_session: str = "30/minute"
    web_rate_limit_per_ip: str = "1200/minute"
    web_upload_rate_limit_per_ip: str = "20/minute"
    api_rate_per_minute: int = 120

    # --- Telegram ---
    telegram_bot_token: str = ""
    telegram_mode: str = ""
    telegram_webhook_secret: str = ""
    telegram_webhook_url: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"

    # --- WhatsApp Cloud API ---
    whatsapp_verify_token: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_access_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_notification_template: str = ""
    whatsapp_template_language: str = "id"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


@lru_cache
def get_settings() -> Settings:
    return Settings()
