"""Scale input: frame parsers for three common indicator outputs, a stream splitter that finds
frames in the bytes of a serial port, and a reader that returns the first stable weight.

Formats (``fmt``):

``mt``    METTLER TOLEDO continuous output (also spoken by many Chinese indicators as "Toledo"):
          ``STX SWA SWB SWC wwwwww tttttt CR [CKS]`` — 17 bytes, 18 with the checksum.
          SWA bits 0-2: where the decimal point is (000 = two dummy zeros ``XXXX00``, 001 = one
          dummy zero, 010 = ``XXXXXX``, 011 = ``XXXXX.X`` ... 111 = ``X.XXXXX``), bits 3-4 the
          increment size, bit 5 = 1. SWB bit 0 net, bit 1 negative, bit 2 out of range, bit 3
          motion, bit 4 kg (else lb), bit 5 = 1, bit 6 not zeroed since power-up. SWC bits 0-2 the
          unit (000 = lb/kg as SWB bit 4, 001 = g, 010 = t), bit 3 print request. The optional
          checksum is the two's complement of the 7 low bits of the sum of every byte before it
          (STX and CR included), so the 7 low bits of the whole frame sum to zero.
          (METTLER TOLEDO terminal manuals, "Continuous Output Format" / "Status Byte Definition".)
``text``  ASCII lines ``ST,GS,+0012.34kg`` (A&D-style; header ST stable, US unstable, OL
          overload; optional second header GS gross, NT net, TR tare; the unit kg, g or t).
``a9``    Yaohua XK3190-A9 continuous mode (tF=0): ``STX sign wwwwww d xh xl ETX`` — 12 bytes:
          sign ``+``/``-``, six digits, ``d`` = digits after the decimal point (0-4), then the XOR
          of bytes 2-9 as two ASCII hex digits. The A9 sends no stability flag: a reading counts
          as stable after ``repeats`` identical readings in a row. Its other continuous mode
          (``=`` then the displayed value with the sign, reversed: ``=000.3000`` is 3.000) is
          read too (``a9r``).

Weights are ``Decimal`` kilograms; every reading keeps its raw frame so the event can carry it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

STX, ETX, CR, LF = 0x02, 0x03, 0x0D, 0x0A
MAX_KG = Decimal("999999.999")


class ScaleError(ValueError):
    """A frame that cannot be used: ``code`` says why (``scale.*``)."""

    def __init__(self, code: str, *, zh: str, en: str, raw: bytes = b"") -> None:
        super().__init__(en)
        self.code = code
        self.message_zh = zh
        self.message_en = en
        self.raw = raw


@dataclass(frozen=True)
class Reading:
    """One weight as the scale sent it."""

    weight_kg: Decimal
    stable: bool | None  # None: the format carries no stability flag (see StabilityFilter)
    raw: bytes
    fmt: str
    net: bool = False
    overload: bool = False

    @property
    def raw_hex(self) -> str:
        """The raw frame as hex."""
        return self.raw.hex()

    def api_kg(self) -> str:
        """The weight as the API takes it: a decimal string with at most three decimals."""
        return format_kg(self.weight_kg)

    def note(self) -> str:
        """What the event records about this weighing (format, gross/net, raw frame)."""
        return f"scale={self.fmt} {'net' if self.net else 'gross'} raw={self.raw_hex}"


def format_kg(kg: Decimal) -> str:
    """A positive kg amount as the API's decimal string (``^[0-9]{1,6}(\\.[0-9]{1,3})?$``)."""
    q = kg.quantize(Decimal("0.001"))
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_kg(text: str) -> Decimal:
    """Parse a weight typed by the operator; raise ScaleError if it is not a usable weight."""
    try:
        kg = Decimal(text.strip().lower().removesuffix("kg").strip())
    except InvalidOperation:
        raise ScaleError(
            "scale.weight", zh="重量不是有效的数字", en="the weight is not a number"
        ) from None
    if not kg.is_finite() or kg <= 0 or kg > MAX_KG:
        raise ScaleError(
            "scale.weight",
            zh="重量须大于 0 且不超过 999999.999 千克",
            en="the weight must be > 0 and at most 999999.999 kg",
        )
    if kg != kg.quantize(Decimal("0.001")):
        raise ScaleError(
            "scale.weight",
            zh="重量最多保留三位小数（克）",
            en="the weight has more than three decimals",
        )
    return kg


# -- METTLER TOLEDO continuous ------------------------------------------------------------------

MT_LEN = 17  # without the optional checksum


def mt_checksum(data: bytes) -> int:
    """The METTLER TOLEDO checksum of ``data`` (two's complement of the 7-bit sum)."""
    return (-sum(data)) & 0x7F


def _mt_digits(field: bytes, raw: bytes) -> int:
    text = field.decode("ascii", "replace").replace(" ", "0")
    if not text.isdigit():
        raise ScaleError(
            "scale.frame", zh="电子秤数据帧损坏", en="the scale frame is corrupt", raw=raw
        )
    return int(text)


def parse_mettler(frame: bytes) -> Reading:
    """Parse one METTLER TOLEDO continuous frame (17 bytes, or 18 with the checksum)."""
    if len(frame) not in (MT_LEN, MT_LEN + 1) or frame[0] != STX or frame[16] != CR:
        raise ScaleError(
            "scale.frame", zh="电子秤数据帧格式错误", en="not a Toledo continuous frame", raw=frame
        )
    if len(frame) == MT_LEN + 1 and (sum(frame) & 0x7F) != 0:
        raise ScaleError(
            "scale.checksum", zh="电子秤数据校验失败", en="the frame checksum is wrong", raw=frame
        )
    swa, swb, swc = frame[1] & 0x7F, frame[2] & 0x7F, frame[3] & 0x7F
    if not swa & 0x20 or not swb & 0x20 or not swc & 0x20:
        raise ScaleError(
            "scale.frame", zh="电子秤状态字无效", en="the status bytes are invalid", raw=frame
        )
    weight = _mt_digits(frame[4:10], frame)
    _mt_digits(frame[10:16], frame)  # tare: checked, not used
    point = swa & 0x07  # 0 -> x100, 1 -> x10, 2 -> x1, 3 -> /10 ... 7 -> /100000
    value = Decimal(weight).scaleb(2 - point)
    if swb & 0x02:
        value = -value
    unit = swc & 0x07
    if unit == 0:
        if not swb & 0x10:
            raise ScaleError(
                "scale.unit",
                zh="电子秤单位为磅，请设为千克",
                en="the scale is set to lb",
                raw=frame,
            )
        kg = value
    elif unit == 1:
        kg = value / 1000
    elif unit == 2:
        kg = value * 1000
    else:
        raise ScaleError(
            "scale.unit", zh="电子秤单位不受支持", en="unsupported scale unit", raw=frame
        )
    return Reading(
        weight_kg=kg,
        stable=not swb & 0x08,
        raw=bytes(frame),
        fmt="mt",
        net=bool(swb & 0x01),
        overload=bool(swb & 0x04),
    )


def make_mettler(
    kg: Decimal | str,
    *,
    decimals: int = 2,
    motion: bool = False,
    net: bool = False,
    checksum: bool = True,
    tare: int = 0,
) -> bytes:
    """Build a frame (for tests and scale simulators): weight in kg with 0..5 decimals."""
    value = Decimal(kg)
    digits = int(abs(value).scaleb(decimals).to_integral_value())
    swa = 0x20 | 0x08 | (decimals + 2)  # increment x1
    swb = 0x20 | 0x10 | (0x01 if net else 0) | (0x02 if value < 0 else 0) | (0x08 if motion else 0)
    swc = 0x20
    frame = bytes([STX, swa, swb, swc]) + f"{digits:06d}{tare:06d}".encode() + bytes([CR])
    return frame + bytes([mt_checksum(frame)]) if checksum else frame


# -- text lines ---------------------------------------------------------------------------------

_TEXT = re.compile(
    r"^(?P<h1>ST|US|OL|QT)\s*,\s*(?:(?P<h2>GS|NT|TR|GW|NW|TW)\s*,\s*)?"
    r"(?P<value>[+-]?\s*[0-9]*\.?[0-9]+)\s*(?P<unit>kg|g|t|lb)?\Z",
    re.IGNORECASE,
)


def parse_text(line: bytes, default_unit: str = "kg") -> Reading:
    """Parse one text line such as ``ST,GS,+0012.34kg`` (CR/LF already removed)."""
    text = line.decode("ascii", "replace").strip()
    m = _TEXT.match(text)
    if m is None:
        raise ScaleError(
            "scale.frame", zh="电子秤数据行格式错误", en=f"not a scale line: {text!r}", raw=line
        )
    h1 = m["h1"].upper()
    unit = (m["unit"] or default_unit).lower()
    try:
        value = Decimal(m["value"].replace(" ", ""))
    except InvalidOperation:
        raise ScaleError(
            "scale.frame", zh="电子秤数据行格式错误", en="bad number", raw=line
        ) from None
    return Reading(
        weight_kg=_to_kg(value, unit, line),
        stable=h1 == "ST",
        raw=bytes(line),
        fmt="text",
        net=(m["h2"] or "").upper() in ("NT", "NW"),
        overload=h1 == "OL",
    )


def _to_kg(value: Decimal, unit: str, raw: bytes) -> Decimal:
    if unit == "kg":
        return value
    if unit == "g":
        return value / 1000
    if unit == "t":
        return value * 1000
    raise ScaleError(
        "scale.unit", zh="电子秤单位为磅，请设为千克", en=f"unsupported unit {unit}", raw=raw
    )


# -- Yaohua XK3190-A9 ---------------------------------------------------------------------------

A9_LEN = 12
A9R_LEN = 9


def a9_check(body: bytes) -> bytes:
    """The A9 check: XOR of ``body`` (bytes 2-9) as two upper-case ASCII hex digits."""
    x = 0
    for b in body:
        x ^= b
    return f"{x:02X}".encode()


def parse_xk3190(frame: bytes, unit: str = "kg") -> Reading:
    """Parse one Yaohua XK3190-A9 continuous frame (tF=0, 12 bytes)."""
    if len(frame) != A9_LEN or frame[0] != STX or frame[11] != ETX:
        raise ScaleError(
            "scale.frame", zh="电子秤数据帧格式错误", en="not an XK3190-A9 frame", raw=frame
        )
    body = frame[1:9]
    if frame[9:11].upper() != a9_check(body):
        raise ScaleError(
            "scale.checksum", zh="电子秤数据校验失败", en="the frame checksum is wrong", raw=frame
        )
    sign, digits, point = chr(body[0]), body[1:7].decode("ascii", "replace"), chr(body[7])
    if sign not in "+-" or not digits.isdigit() or point not in "01234":
        raise ScaleError(
            "scale.frame", zh="电子秤数据帧损坏", en="the scale frame is corrupt", raw=frame
        )
    value = Decimal(int(digits)).scaleb(-int(point))
    if sign == "-":
        value = -value
    return Reading(weight_kg=_to_kg(value, unit, frame), stable=None, raw=bytes(frame), fmt="a9")


def make_xk3190(kg: Decimal | str, decimals: int = 2) -> bytes:
    """Build an A9 frame (for tests and simulators)."""
    value = Decimal(kg)
    digits = int(abs(value).scaleb(decimals).to_integral_value())
    body = ("-" if value < 0 else "+").encode() + f"{digits:06d}{decimals}".encode()
    return bytes([STX]) + body + a9_check(body) + bytes([ETX])


def parse_xk3190_reversed(frame: bytes, unit: str = "kg") -> Reading:
    """Parse the ``=`` continuous mode: 8 characters after ``=``, least significant first."""
    if len(frame) != A9R_LEN or frame[:1] != b"=":
        raise ScaleError("scale.frame", zh="电子秤数据帧格式错误", en="not an '=' frame", raw=frame)
    text = frame[1:].decode("ascii", "replace")[::-1]
    sign, number = text[0], text[1:]
    if sign not in "0-" or not re.fullmatch(r"[0-9]*\.?[0-9]+", number):
        raise ScaleError(
            "scale.frame", zh="电子秤数据帧损坏", en="the scale frame is corrupt", raw=frame
        )
    value = Decimal(number)
    if sign == "-":
        value = -value
    return Reading(weight_kg=_to_kg(value, unit, frame), stable=None, raw=bytes(frame), fmt="a9r")


# -- finding frames in a byte stream ------------------------------------------------------------


def _digits_or_space(b: bytes) -> bool:
    return all(0x30 <= c <= 0x39 or c == 0x20 for c in b)


class FrameSplitter:
    """Finds frames of any supported format (or only ``fmt``) in bytes as they arrive."""

    FORMATS = ("auto", "mt", "text", "a9")

    def __init__(self, fmt: str = "auto", unit: str = "kg") -> None:
        if fmt not in self.FORMATS:
            raise ValueError(f"scale format must be one of {self.FORMATS}")
        self.fmt = fmt
        self.unit = unit
        self.buf = bytearray()
        self.mt_checksum: bool | None = None  # learnt: does the Toledo scale send one?

    def feed(self, data: bytes) -> Iterator[Reading | ScaleError]:
        """Add bytes; yield every complete frame parsed (or the error for a corrupt one)."""
        self.buf += data
        while self.buf:
            step = self._step()
            if step is None:
                return
            if not isinstance(step, int):
                yield step

    def flush(self) -> Iterator[Reading | ScaleError]:
        """At the end of the stream: a pending frame without its optional checksum."""
        if len(self.buf) == MT_LEN and self.buf[0] == STX and self.buf[16] == CR:
            frame = bytes(self.buf)
            self.buf.clear()
            yield self._try(parse_mettler, frame)
        elif self.buf and self.buf[0] not in (STX, ord("=")):
            line = bytes(self.buf).strip()
            self.buf.clear()
            if line:
                yield self._try(lambda b: parse_text(b, self.unit), line)

    @staticmethod
    def _try(parse: Callable[[bytes], Reading], frame: bytes) -> Reading | ScaleError:
        try:
            return parse(frame)
        except ScaleError as err:
            return err

    def _take(self, n: int) -> bytes:
        frame = bytes(self.buf[:n])
        del self.buf[:n]
        return frame

    def _step(self) -> Reading | ScaleError | int | None:
        """One parse step: a result, 0 (bytes dropped, go on) or None (need more bytes)."""
        b0 = self.buf[0]
        if b0 == STX:
            return self._stx()
        if b0 == ord("=") and self.fmt in ("auto", "a9"):
            if len(self.buf) < A9R_LEN:
                return None
            return self._try(lambda f: parse_xk3190_reversed(f, self.unit), self._take(A9R_LEN))
        if b0 in (CR, LF) or not (0x20 <= b0 < 0x7F) or self.fmt in ("mt", "a9"):
            del self.buf[0]
            return 0
        return self._line()

    def _stx(self) -> Reading | ScaleError | int | None:
        buf = self.buf
        if self.fmt in ("auto", "a9") and len(buf) >= 2 and buf[1] in b"+-":
            if len(buf) < A9_LEN:
                return None
            if buf[11] == ETX:
                return self._try(lambda f: parse_xk3190(f, self.unit), self._take(A9_LEN))
        if self.fmt in ("auto", "mt"):
            if len(buf) < MT_LEN:
                return None
            if buf[16] == CR and _digits_or_space(bytes(buf[4:16])):
                if len(buf) == MT_LEN:
                    return None  # the optional checksum may still come
                return self._try(parse_mettler, self._take(MT_LEN + self._mt_checksum()))
        del buf[0]  # not a frame start: resynchronise on the next byte
        return 0

    def _mt_checksum(self) -> int:
        """1 if the frame in the buffer carries a checksum byte. The scale either always sends
        one or never: learnt from the first frames, so that a corrupt checksum is reported
        rather than read as a frame without one."""
        after = self.buf[MT_LEN]
        valid = (sum(self.buf[:MT_LEN]) + after) & 0x7F == 0
        if self.mt_checksum is None:
            if after == STX and not valid:
                self.mt_checksum = False
            elif valid and after != STX:
                self.mt_checksum = True
        if self.mt_checksum is None:
            return int(after != STX)
        return int(self.mt_checksum)

    def _line(self) -> Reading | ScaleError | int | None:
        for i, c in enumerate(self.buf):
            if c in (CR, LF):
                line = self._take(i + 1).strip()
                return self._try(lambda b: parse_text(b, self.unit), line) if line else 0
            if not 0x20 <= c < 0x7F:  # a binary frame starts: what came before was noise
                del self.buf[:i]
                return 0
        if len(self.buf) > 80:  # no line end in sight: garbage
            self.buf.clear()
            return 0
        return None


class StabilityFilter:
    """Decides stability: the scale's own flag where it has one, else ``repeats`` identical
    readings in a row (the A9 formats)."""

    def __init__(self, repeats: int = 5) -> None:
        self.repeats = max(1, repeats)
        self._last: Decimal | None = None
        self._count = 0

    def stable(self, r: Reading) -> bool:
        """Whether this reading may be used."""
        if r.stable is not None:
            return r.stable and not r.overload
        if r.weight_kg == self._last:
            self._count += 1
        else:
            self._last, self._count = r.weight_kg, 1
        return self._count >= self.repeats


def read_stable(
    read: Callable[[], bytes],
    *,
    fmt: str = "auto",
    unit: str = "kg",
    timeout: float = 30.0,
    repeats: int = 5,
    on_reading: Callable[[Reading], None] | None = None,
    after: Reading | None = None,
) -> Reading:
    """Read from ``read()`` (returns b"" on a read timeout) until a stable weight above zero.

    With ``after`` (the previous weighing) the scale must first move — a reading in motion or
    of another weight — so that a drum left on the scale is not weighed twice.

    :raises ScaleError: ``scale.timeout`` when no stable positive weight came within
        ``timeout`` seconds, ``scale.closed`` when the port closed.
    """
    splitter = FrameSplitter(fmt, unit)
    stability = StabilityFilter(repeats)
    deadline = time.monotonic() + timeout
    moved = after is None
    while time.monotonic() < deadline:
        try:
            chunk = read()
        except OSError as err:
            raise ScaleError(
                "scale.closed", zh="电子秤连接已断开", en=f"the scale port closed: {err}"
            ) from err
        for item in splitter.feed(chunk):
            if isinstance(item, ScaleError):
                continue  # a corrupt frame: the next one will do
            if on_reading is not None:
                on_reading(item)
            stable = stability.stable(item)
            if not moved:
                moved = not stable or after is None or item.weight_kg != after.weight_kg
                continue
            if stable and item.weight_kg > 0 and not item.overload:
                return item
    raise ScaleError(
        "scale.timeout",
        zh=f"{timeout:g} 秒内未读到稳定的重量（请确认货物已放稳）",
        en=f"no stable weight within {timeout:g} s",
    )


class SerialScale:
    """A scale on a serial port (pyserial, imported only when a scale is used)."""

    def __init__(
        self, port: str, baudrate: int = 9600, fmt: str = "auto", unit: str = "kg"
    ) -> None:
        import serial

        self.port = port
        self.fmt = fmt
        self.unit = unit
        self.last: Reading | None = None
        try:
            self._ser = serial.Serial(port, baudrate=baudrate, timeout=0.1)
        except (serial.SerialException, OSError) as err:
            raise ScaleError(
                "scale.unavailable",
                zh=f"无法打开电子秤端口 {port}：{err}",
                en=f"cannot open the scale port {port}: {err}",
            ) from err

    def _read(self) -> bytes:
        import serial

        try:
            return bytes(self._ser.read(256))
        except serial.SerialException as err:
            raise OSError(str(err)) from err

    def read_stable(self, timeout: float = 30.0, repeats: int = 5) -> Reading:
        """Discard what is buffered (an old weight), then wait for a stable weight; after the
        first weighing, only once the scale moved (the next drum was put on)."""
        self._ser.reset_input_buffer()
        self.last = read_stable(
            self._read,
            fmt=self.fmt,
            unit=self.unit,
            timeout=timeout,
            repeats=repeats,
            after=self.last,
        )
        return self.last

    def close(self) -> None:
        """Close the port."""
        self._ser.close()
