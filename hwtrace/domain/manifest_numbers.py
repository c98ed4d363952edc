"""The national manifest number (联单编号) of 《危险废物转移管理办法》 (部令第23号) 第十五条.

Fourteen digits: 1–4 the year; 5–6 the province-level administrative division code of the
place of dispatch; 7–8 its city-level division code; 9–14 a serial number within that city and
year. The division codes are GB/T 2260's first four digits (e.g. 32 江苏省, 3205 苏州市); the park
sets them (HWTRACE_PROVINCE_CODE, HWTRACE_CITY_CODE). Manifests made before this format keep
the numbers they were issued with (``<park code>-<date>-<5 digits>``).
"""

from __future__ import annotations

import re

from hwtrace.domain.errors import BadValue, Conflict

# GB/T 2260 province-level divisions (first two digits of the six-digit code).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82"}
)
SERIAL_MAX = 999_999
NATIONAL_NUMBER = re.compile(r"\d{14}")


def check_division_codes(province: str, city: str) -> tuple[str, str]:
    """Return the park's province and city division codes, or refuse malformed ones."""
    province, city = str(province).strip(), str(city).strip()
    if province not in PROVINCE_CODES:
        raise BadValue(
            zh=f"省级行政区划代码「{province}」无效（应为 GB/T 2260 的前两位，如 32）",
            en=f"invalid province division code {province!r} (GB/T 2260 digits 1-2, e.g. 32)",
            code="value.division_code",
        )
    if not re.fullmatch(r"\d{2}", city) or city == "00":
        raise BadValue(
            zh=f"地市级行政区划代码「{city}」无效（应为 GB/T 2260 的第三、四位，如 05）",
            en=f"invalid city division code {city!r} (GB/T 2260 digits 3-4, e.g. 05)",
            code="value.division_code",
        )
    return province, city


def check_province(code: str | None) -> str | None:
    """Return an enterprise's province division code (None when not given), or refuse."""
    text = (code or "").strip()
    if not text:
        return None
    if text not in PROVINCE_CODES:
        raise BadValue(
            zh=f"省级行政区划代码「{text}」无效（应为 GB/T 2260 的前两位，如 32）",
            en=f"invalid province division code {text!r} (GB/T 2260 digits 1-2, e.g. 32)",
            code="value.division_code",
        )
    return text


def counter_name(year: int, province: str, city: str) -> str:
    """The counter of serial numbers: one per city of dispatch and year (第十五条)."""
    return f"manifest-no:{year:04d}:{province}{city}"


def national_number(year: int, province: str, city: str, serial: int) -> str:
    """Return the 14-digit manifest number of 部令第23号 第十五条."""
    province, city = check_division_codes(province, city)
    if not 1 <= serial <= SERIAL_MAX:
        raise Conflict(
            zh=f"{year} 年本市联单流水号已用尽（第十五条：6 位流水号）",
            en=f"the city's manifest serial numbers for {year} are used up (art. 15: 6 digits)",
            code="manifest.exhausted",
        )
    if not 1000 <= year <= 9999:
        raise BadValue(zh="年份无效", en="invalid year")
    return f"{year:04d}{province}{city}{serial:06d}"


def parse_national(number: str) -> tuple[int, str, str, int] | None:
    """Return (year, province, city, serial) of a 14-digit number, None for older numbers."""
    if not NATIONAL_NUMBER.fullmatch(number):
        return None
    return int(number[:4]), number[4:6], number[6:8], int(number[8:])
