"""`gongzhi import`: the roster from the command line, dry run first, then applied."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import ROOT, process_env
from tests.integration.test_graphql_roster import BAD, GOOD


def gongzhi(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", *args],
        env=process_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_checks_then_imports_a_roster(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    community = platform.app.register_community(
        Meta(actor="t", reason="t"),
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="gb18030")  # spreadsheets saved on Chinese Windows

    refused = gongzhi(settings, "import", "--community", str(community), "--file", str(bad))
    assert refused.returncode == 1
    assert "line 4, floors: building 1栋 has 6 floors on line 2" in refused.stdout

    dry = gongzhi(settings, "import", "--community", str(community), "--file", str(good))
    assert dry.returncode == 0 and "dry run: every row is good" in dry.stdout
    assert not platform.app.community(community).unit_index

    applied = gongzhi(
        settings, "import", "--community", str(community), "--file", str(good), "--apply"
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "imported 4 units, 2 buildings, 3 entrances, 4 owners" in applied.stdout
    assert len(platform.app.community(community).unit_index) == 4
