"""VINs are checked on shape, manufacturer code and, for Chinese and North
American VINs, the ISO 3779 check digit in position 9."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from vininfo import Vin

from matchmaking.validators import validate_vin

_VALUES = {str(digit): digit for digit in range(10)} | dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def with_check_digit(vin: str) -> str:
    """The VIN with position 9 set to its ISO 3779 check digit."""
    remainder = sum(_VALUES[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True)) % 11
    return vin[:8] + ("X" if remainder == 10 else str(remainder)) + vin[9:]


def wrong_check_digit(vin: str) -> str:
    right = with_check_digit(vin)[8]
    return vin[:8] + ("1" if right != "1" else "2") + vin[9:]


# SAIC Volkswagen (LSV), BYD (LGX) and Tesla Shanghai (LRW), model years 2022–2023.
CHINESE_VINS = [with_check_digit(v) for v in ("LSVAU2180N2183294", "LGXCE4CB0N0123456", "LRWYGCEK0PC123456")]


def message_of(vin: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        validate_vin(vin)
    return caught.value.code, caught.value.messages[0]


def test_the_checked_vins_are_chinese_by_vininfo_too():
    for vin in CHINESE_VINS:
        info = Vin(vin)
        assert info.country == "China"
        assert info.verify_checksum()


@pytest.mark.parametrize("vin", CHINESE_VINS)
def test_chinese_vin_with_correct_check_digit_passes(vin):
    validate_vin(vin)


def test_lower_case_and_spaces_are_forgiven():
    validate_vin(f"  {CHINESE_VINS[0].lower()} ")


def test_the_often_quoted_example_vin_has_a_wrong_check_digit():
    # LSVAU2180N2183294 circulates as an example; its check digit should be X.
    assert with_check_digit("LSVAU2180N2183294")[8] == "X"
    assert message_of("LSVAU2180N2183294")[0] == "vin_check_digit"


@pytest.mark.parametrize("vin", CHINESE_VINS)
def test_chinese_vin_with_wrong_check_digit_fails(vin):
    code, message = message_of(wrong_check_digit(vin))

    assert code == "vin_check_digit"
    assert "check digit" in message


@pytest.mark.parametrize(("vin", "count"), [("LGXCE4CB2N012345", 16), ("LGXCE4CB2N01234567", 18)])
def test_wrong_length_fails_and_says_how_long(vin, count):
    code, message = message_of(vin)

    assert code == "vin_length"
    assert str(count) in message


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_letters_i_o_q_are_refused(letter):
    vin = CHINESE_VINS[1][:12] + letter + CHINESE_VINS[1][13:]

    code, message = message_of(vin)

    assert code == "vin_characters"
    assert "I, O and Q" in message


def test_unknown_manufacturer_code_is_refused():
    assert message_of("00000000000000000")[0] == "vin_wmi"


def test_european_vin_without_check_digit_passes():
    # Europe does not require the check digit, so position 9 is not checked.
    validate_vin("WVWZZZ1JZXW000001")


def test_empty_vin_is_allowed():
    validate_vin("")
