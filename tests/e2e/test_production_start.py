"""Production start-up refusals and the token CLI, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import jwt

from gongzhi.graphql.auth import ALGORITHM

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 40


def gongzhi(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_an_explicit_jwt_secret(tmp_path: Path) -> None:
    for command in (["serve"], ["run", "--no-demo"], ["token", "--role", "PLATFORM_ADMIN"]):
        done = gongzhi(*command, GONGZHI_ENV="production", GONGZHI_DATA_DIR=str(tmp_path))
        assert done.returncode == 2, (command, done.stderr)
        # One refusal names everything production lacks
        assert "production refuses to start without GONGZHI_JWT_SECRET" in done.stderr
        assert "GONGZHI_AUDIT_SIGNING_KEY" in done.stderr
        assert "GONGZHI_MASTER_KEY_FILE" in done.stderr
        assert "Traceback" not in done.stderr
    # With the keys given, the secret alone is missing
    only_secret = gongzhi(
        "serve",
        GONGZHI_ENV="production",
        GONGZHI_DATA_DIR=str(tmp_path),
        GONGZHI_AUDIT_SIGNING_KEY_FILE=str(tmp_path / "audit.pem"),
        GONGZHI_MASTER_KEY_FILE=str(tmp_path / "master.key"),
    )
    assert only_secret.returncode == 2
    assert only_secret.stderr.strip() == (
        "gongzhi: production refuses to start without GONGZHI_JWT_SECRET (the token signing secret)"
    )
    # Nothing was invented in its place
    assert not (tmp_path / "dev-jwt-secret").exists()


def test_a_short_secret_is_refused_by_name_without_a_traceback(tmp_path: Path) -> None:
    done = gongzhi("serve", GONGZHI_JWT_SECRET="short", GONGZHI_DATA_DIR=str(tmp_path))
    assert done.returncode == 2
    assert "GONGZHI_JWT_SECRET must be at least 32 bytes" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_token_command_says_the_lifetime_and_accepts_ttl(tmp_path: Path) -> None:
    env = {"GONGZHI_JWT_SECRET": SECRET, "GONGZHI_DATA_DIR": str(tmp_path)}
    # The default lifetime is short: 8 hours, said on stderr; the token alone on stdout
    done = gongzhi("token", "--role", "PLATFORM_ADMIN", "--subject", "ops-1", **env)
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), SECRET, algorithms=[ALGORITHM], issuer="gongzhi")
    assert abs(claims["exp"] - claims["iat"] - 8 * 3600) < 1
    assert f"token {claims['jti']} for ops-1 (PLATFORM_ADMIN), valid for 8 h 00 min" in done.stderr

    # --ttl sets it, within bounds
    short = gongzhi("token", "--role", "PLATFORM_ADMIN", "--ttl", "90m", **env)
    claims = jwt.decode(short.stdout.strip(), SECRET, algorithms=[ALGORITHM], issuer="gongzhi")
    assert abs(claims["exp"] - claims["iat"] - 90 * 60) < 1
    assert "valid for 1 h 30 min" in short.stderr
    too_long = gongzhi("token", "--role", "PLATFORM_ADMIN", "--ttl", "31d", **env)
    assert too_long.returncode == 2 and "at most 30 days" in too_long.stderr

    # A committee member's token must name its person (its seat is checked through it)
    unnamed = gongzhi("token", "--role", "COMMITTEE_MEMBER", "--community", str(uuid4()), **env)
    assert unnamed.returncode == 2 and "needs --person" in unnamed.stderr
