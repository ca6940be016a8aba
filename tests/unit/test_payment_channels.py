"""The payment channel's configuration and the sandbox's signature (issue 16 §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gongzhi.infra.payment_channels import NoticeRefused, SandboxChannel
from gongzhi.infra.settings import ConfigurationError, Settings

KEY = b"k" * 32


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"GONGZHI_DATA_DIR": str(tmp_path), "GONGZHI_JWT_SECRET": "s" * 40, **extra}


@pytest.mark.parametrize("channel", ["WECHAT", "ALIPAY", "UNIONPAY", "PAYPAL"])
def test_a_channel_without_a_working_adapter_refuses_to_start(tmp_path: Path, channel: str) -> None:
    with pytest.raises(ConfigurationError, match="GONGZHI_PAYMENT_CHANNEL"):
        Settings.from_env(_env(tmp_path, GONGZHI_PAYMENT_CHANNEL=channel))


def test_the_sandbox_is_the_default_outside_production_with_a_key_file_of_its_own(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert settings.payment_channel == "SANDBOX"
    assert settings.payment_key_file == tmp_path / "dev-payment-key"
    assert len(settings.payment_key_file.read_bytes()) >= 32


def test_a_sandbox_key_too_short_refuses_to_start(tmp_path: Path) -> None:
    short = tmp_path / "short-key"
    short.write_text("0123")
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        Settings.from_env(_env(tmp_path, GONGZHI_PAYMENT_KEY_FILE=str(short)))


def test_production_refuses_the_sandbox(tmp_path: Path) -> None:
    env = _env(tmp_path, GONGZHI_PAYMENT_CHANNEL="SANDBOX")
    with pytest.raises(ConfigurationError, match="moves no money"):
        Settings.from_env({**env, "GONGZHI_ENV": "production"})


def _signed(channel: SandboxChannel, at: datetime) -> tuple[dict[str, str], bytes]:
    return channel.notification(
        notification_id="EV-1",
        order_no="0" * 32,
        transaction_id="T-1",
        amount_fen=12345,
        paid_at=at,
        timestamp=int(at.timestamp()),
    )


def test_the_sandbox_verifies_its_own_signature_within_five_minutes() -> None:
    channel, now = SandboxChannel(KEY), datetime.now(UTC)
    headers, body = _signed(channel, now - timedelta(minutes=4))
    notice = channel.verify(headers, body, now)
    assert (notice.order_no, notice.transaction_id, notice.amount_fen) == ("0" * 32, "T-1", 12345)
    stale_headers, stale_body = _signed(channel, now - timedelta(minutes=6))
    with pytest.raises(NoticeRefused) as stale:
        channel.verify(stale_headers, stale_body, now)
    assert stale.value.code == "REPLAYED"


def test_another_key_or_a_changed_body_does_not_verify() -> None:
    now = datetime.now(UTC)
    headers, body = _signed(SandboxChannel(b"x" * 32), now)
    for attempt in (body, body.replace(b"12345", b"12346")):
        with pytest.raises(NoticeRefused) as refused:
            SandboxChannel(KEY).verify(headers, attempt, now)
        assert (refused.value.code, refused.value.status) == ("SIGN_ERROR", 401)
