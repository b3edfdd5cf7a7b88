"""Plates, mobiles and VINs checked against the standards (GA 36-2018, the MIIT mobile ranges,
GB 16735), not against a few examples: a real DMS export must not lose good rows."""
from __future__ import annotations

import random

import pytest

from models.validators import PROVINCES, mobile_problem, plate_problem, vin_problem

SMALL_NEW_ENERGY = "DABCEFGHJK"  # battery electric D A B C E, other new energy F G H J K


@pytest.mark.parametrize("plate", [
    "京A12345", "沪B9Z88C", "粤Z1234港", "粤Z1234澳", "京A1234挂", "京A1234学",
    *[f"粤B{series}12345" for series in SMALL_NEW_ENERGY],   # small new-energy, every series
    "沪AFA1234", "川AD12345", "京A12345D", "苏E54321F",     # second place a letter; large new-energy
    "京a 12345", "粤B·D12345",                               # typed loosely, normalized
])
def test_it_accepts_every_private_plate_series(plate):
    assert plate_problem(plate) is None


@pytest.mark.parametrize("plate", ["京I12345", "京A1234O", "京AI2345", "粤BL12345", "粤BD1234X",
                                   "京A1234", "A12345", "京A123456", "京A12345G"])
def test_it_refuses_what_no_series_issues(plate):
    assert plate_problem(plate) is not None


def test_it_knows_every_province():
    assert len(set(PROVINCES) - set("使领")) == 31
    assert all(plate_problem(f"{p}A12345") is None for p in PROVINCES)


VOICE_PREFIXES = ("130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 "
                  "159 162 165 166 167 170 171 172 173 175 176 177 178 180 181 182 183 184 185 186 "
                  "187 188 189 190 191 192 193 195 196 197 198 199").split()


@pytest.mark.parametrize("prefix", VOICE_PREFIXES)
def test_it_accepts_every_mobile_range_in_use(prefix):
    assert mobile_problem(f"{prefix}12345678") is None
    assert mobile_problem(f"+86 {prefix}-1234-5678") is None


@pytest.mark.parametrize("number", ["12012345678", "1381234567", "138123456789", "01012345678",
                                    "1381234567a"])
def test_it_refuses_what_is_not_a_mobile(number):
    assert mobile_problem(number) is not None


# GB 16735 appendix: transliteration and weights, written out here as an independent oracle
_VALUE = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
          **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_WEIGHT = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def _check_digit(vin: str) -> str:
    rest = sum(_VALUE[c] * w for c, w in zip(vin, _WEIGHT)) % 11
    return "X" if rest == 10 else str(rest)


def test_it_checks_the_vin_check_digit_as_gb_16735_computes_it():
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    rng = random.Random(16735)
    for _ in range(2000):
        vin = "L" + "".join(rng.choice(chars) for _ in range(16))  # L: vehicles made in China
        vin = vin[:8] + _check_digit(vin) + vin[9:]
        assert vin_problem(vin) is None, vin
        wrong = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
        assert "校验位" in vin_problem(wrong), wrong


@pytest.mark.parametrize("vin", ["LSVAU2180E212345", "LSVAU2180E21234567", "LSVAU2I80E2123456",
                                 "LSVAU2O80E2123456", "LSVAU2Q80E2123456"])
def test_it_refuses_a_vin_of_the_wrong_shape(vin):
    assert vin_problem(vin) is not None
