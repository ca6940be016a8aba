"""The database settings: the replica's URL and the pool size that caps every pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongzhi.infra.settings import ConfigurationError, Settings

SECRET = {"GONGZHI_JWT_SECRET": "test-signing-key-not-for-production-use-0123456789"}


def test_the_defaults_keep_a_node_small_and_read_the_primary(tmp_path: Path) -> None:
    settings = Settings.from_env({**SECRET, "GONGZHI_DATA_DIR": str(tmp_path)})
    assert settings.pool_size == 3
    assert settings.read_database_url is None


def test_a_replica_is_named_by_its_url(tmp_path: Path) -> None:
    url = "postgresql://gongzhi_app@replica:5432/gongzhi"
    env = {**SECRET, "GONGZHI_DATA_DIR": str(tmp_path), "GONGZHI_READ_DATABASE_URL": url}
    assert Settings.from_env(env).read_database_url == url


def test_a_pool_too_small_for_the_projector_is_refused(tmp_path: Path) -> None:
    env = {**SECRET, "GONGZHI_DATA_DIR": str(tmp_path), "GONGZHI_POOL_SIZE": "1"}
    with pytest.raises(ConfigurationError, match="GONGZHI_POOL_SIZE must be at least 2"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "GONGZHI_POOL_SIZE": "2"}).pool_size == 2
