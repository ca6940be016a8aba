"""Limits that protect the API process from one client: request bodies and mutation rate.

Read once from the environment with the other settings (``Settings.limits``):

- ``GONGZHI_MAX_BODY_BYTES`` (default 1 MiB): the largest request body;
- ``GONGZHI_MAX_UPLOAD_BYTES`` (default 48 MiB): the largest body of a roster import
  (``importRoster`` carries a file of up to 20 MB inside its JSON: an XLSX as 28 MB of
  base64, a CSV of Chinese text as up to 40 MB if the client escapes every character);
- ``GONGZHI_MUTATIONS_PER_MINUTE`` (default 600): mutations a token's subject may send in a
  minute, in bursts of up to a minute's worth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = MIB
    max_upload_bytes: int = 48 * MIB
    mutations_per_minute: int = 600

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        limits = cls(
            max_body_bytes=int(env.get("GONGZHI_MAX_BODY_BYTES", str(cls.max_body_bytes))),
            max_upload_bytes=int(env.get("GONGZHI_MAX_UPLOAD_BYTES", str(cls.max_upload_bytes))),
            mutations_per_minute=int(
                env.get("GONGZHI_MUTATIONS_PER_MINUTE", str(cls.mutations_per_minute))
            ),
        )
        if min(limits.max_body_bytes, limits.max_upload_bytes, limits.mutations_per_minute) < 1:
            msg = "GONGZHI_MAX_BODY_BYTES, _MAX_UPLOAD_BYTES and _MUTATIONS_PER_MINUTE must be > 0"
            raise ValueError(msg)
        return limits
