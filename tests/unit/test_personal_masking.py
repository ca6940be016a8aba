"""Phone- and ID-shaped strings are masked inside any text; look-alikes are left alone."""

from __future__ import annotations

import pytest

from gongzhi.domain.values import mask_personal, mask_personal_text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("电话13912345678请回电", "电话139****5678请回电"),
        ("+86 13912345678", "+86 139****5678"),
        ("8613912345678", "86139****5678"),
        ("139-1234-5678", "139******5678"),
        ("TEL13912345678", "TEL139****5678"),
        ("身份证11010519491231002X", "身份证1****************X"),
        ("身份证号:110105194912310021，", "身份证号:1****************1，"),
        ("座机010-65123456", "座机010*****3456"),
        ("（0571）87654321转8", "（05*******4321转8"),
        ("139****5678", "139****5678"),  # masking twice changes nothing
    ],
)
def test_personal_values_inside_text_are_masked(text: str, shown: str) -> None:
    assert mask_personal_text(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "3f2a1390-1234-4abc-9139-139123456781",  # a UUID whose last group holds phone digits
        "ab13912345678cdef0123456789abcdef0123456789",  # a hash or ciphertext
        "139123456789",  # twelve digits: not a mobile number
        "12345678901",  # does not start like a mobile number
        "139.12345678",  # a decimal
        "13912345678.5",
        "2026-12-07T04:31:12.123456+00:00",
        "委托书2024-07号",
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert mask_personal_text(text) == text


def test_a_json_value_is_masked_by_key_and_inside_text_and_numbers_stay() -> None:
    value = {"phone": "12345", "n": 13912345678, "notes": ["见 13912345678", {"id_number": "x"}]}
    assert mask_personal(value) == {
        "phone": "*****",
        "n": 13912345678,
        "notes": ["见 139****5678", {"id_number": "*"}],
    }


def test_a_sealed_value_or_digest_is_kept_whole_for_the_read_side_to_open() -> None:
    sealed = "pd1:" + "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng="
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert mask_personal({"phone": sealed, "id_number": digest, "name": sealed}) == {
        "phone": sealed,
        "id_number": digest,
        "name": sealed,
    }
