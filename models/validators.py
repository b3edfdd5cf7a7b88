"""Field rules shared by the admin screens and the Excel import (messages in Chinese)."""
from __future__ import annotations

import re

import phonenumbers
from vininfo import Vin
from vininfo.exceptions import ValidationError as VinError

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# GA 36-2018 (with its 2021 extension of the new-energy series), the plates a customer's car has:
# - ordinary: province + issuing-office letter + 5 letters/digits (I and O are never used);
#   the last may be 挂 (trailer), 学 (driving school), 警, 港 / 澳 (Guangdong cross-border);
# - small new-energy: 6 after the letter, the first D A B C E (battery electric) or F G H J K
#   (other new energy), then a letter or digit and 4 digits;
# - large new-energy: 5 digits then D (battery electric) or F.
_PLATE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]"
                    rf"|[DABCEFGHJK][A-HJ-NP-Z0-9][0-9]{{4}}|[0-9]{{5}}[DF])$")


def normalize_plate(value: str) -> str:
    return re.sub(r"[\s·•.\-]", "", value).upper()


def plate_problem(value: str) -> str | None:
    if not _PLATE.match(normalize_plate(value)):
        return (f"车牌号“{value}”格式不正确（应为省份简称+字母+5位，新能源为6位，"
                "如 京A12345、粤BD12345、沪AF12345）")
    return None


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", value)
    return digits[3:] if digits.startswith("+86") else digits


def mobile_problem(value: str) -> str | None:
    number = normalize_mobile(value)
    if not re.fullmatch(r"1\d{10}", number):  # phonenumbers would skip letters and other text
        return f"手机号“{value}”不是有效的中国大陆手机号码"
    # the number is 11 digits already: phonenumbers.parse(number, "CN") would give this same
    # PhoneNumber at several times the cost (checked for every 5-digit prefix), and number_type is
    # UNKNOWN for an invalid number — what a 100,000-row import pays per row
    parsed = phonenumbers.PhoneNumber(country_code=86, national_number=int(number))
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        return f"手机号“{value}”不是有效的中国大陆手机号码"
    return None


def vin_problem(value: str) -> str | None:
    try:
        vin = Vin(value)
    except VinError:
        return f"VIN“{value}”应为17位字母或数字，且不含 I、O、Q"
    if not vin.verify_checksum(check_year=False):
        return f"VIN“{value}”校验位（第9位）不正确，请核对车架号"
    return None


def with_check_digit(vin17: str) -> str:
    """The same VIN with position 9 set so that vininfo accepts it (demo and test data)."""
    for digit in "0123456789X":
        candidate = vin17[:8] + digit + vin17[9:]
        if Vin(candidate).verify_checksum(check_year=False):
            return candidate
    raise ValueError(f"no check digit makes {vin17} valid")
