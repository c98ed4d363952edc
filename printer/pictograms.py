"""The label's colours and symbols are data (``symbols/hj1276.json``): this module loads them and
turns each symbol into filled polygons that every renderer draws the same way.

A symbol is drawn in a 100 x 100 box, y downwards, as a list of shapes painted in order (later
shapes cover earlier ones); each shape names a colour role (``ink``, ``ground``,
``pictogram_ground``, ``pictogram_border``, ...) rather than a colour. The JSON ``colours`` give
the role's RGB on colour outputs (PDF, PNG, the office sheet); ``thermal`` says which roles a
thermal printer prints (black) on its pre-printed stock; the others are left unprinted.

Shapes: ``poly`` [[x, y], ...]; ``rect`` [x, y, w, h]; ``circle`` [cx, cy, r]; ``ellipse``
[cx, cy, rx, ry]; ``ring`` [cx, cy, r_outer, r_inner]; ``star`` [cx, cy, r_outer, r_inner,
points, rotation°]; ``line`` [x1, y1, x2, y2] with ``width``; ``path`` (SVG absolute M L C Q Z).
Curves are flattened, so every renderer fills the same polygons.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from PIL import Image, ImageDraw

Point = tuple[float, float]
CURVE_STEPS = 10
CIRCLE_STEPS = 36


@dataclass(frozen=True)
class Polygon:
    """One filled polygon in the 100 x 100 symbol box, in the colour of its role."""

    role: str
    points: tuple[Point, ...]


@cache
def style() -> dict[str, Any]:
    """The label style data (colours, thermal roles, label and symbol definitions)."""
    path = resources.files("printer") / "symbols" / "hj1276.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def colour(role: str) -> tuple[int, int, int]:
    """The RGB of a colour role on colour outputs."""
    r, g, b = style()["colours"][role]
    return int(r), int(g), int(b)


def thermal_prints(role: str) -> bool:
    """True when a thermal printer prints this role (in black) on pre-printed stock."""
    return bool(style()["thermal"][role])


def _ellipse(cx: float, cy: float, rx: float, ry: float, clockwise: bool = False) -> list[Point]:
    sign = -1.0 if clockwise else 1.0
    return [
        (
            cx + rx * math.cos(sign * 2 * math.pi * i / CIRCLE_STEPS),
            cy + ry * math.sin(sign * 2 * math.pi * i / CIRCLE_STEPS),
        )
        for i in range(CIRCLE_STEPS)
    ]


_TOKEN = re.compile(r"[MLCQZ]|-?\d+(?:\.\d+)?")


def _path(d: str) -> list[Point]:
    """Flatten an SVG path of absolute M, L, C, Q and Z commands (one closed contour)."""
    tokens = _TOKEN.findall(d)
    pts: list[Point] = []
    i = 0
    cmd = ""

    def num() -> float:
        nonlocal i
        v = float(tokens[i])
        i += 1
        return v

    while i < len(tokens):
        if tokens[i] in "MLCQZ":
            cmd = tokens[i]
            i += 1
            if cmd == "Z":
                continue
        if cmd in ("M", "L"):
            pts.append((num(), num()))
        elif cmd == "C":
            p0 = pts[-1]
            p1, p2, p3 = (num(), num()), (num(), num()), (num(), num())
            for s in range(1, CURVE_STEPS + 1):
                t = s / CURVE_STEPS
                u = 1 - t
                pts.append(
                    (
                        u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                        u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                    )
                )
        elif cmd == "Q":
            p0 = pts[-1]
            p1, p2 = (num(), num()), (num(), num())
            for s in range(1, CURVE_STEPS + 1):
                t = s / CURVE_STEPS
                u = 1 - t
                pts.append(
                    (
                        u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                        u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1],
                    )
                )
        else:
            raise ValueError(f"unsupported path data {d!r}")
    return pts


def _shape(s: dict[str, Any]) -> list[Point]:
    if "poly" in s:
        return [(float(x), float(y)) for x, y in s["poly"]]
    if "rect" in s:
        x, y, w, h = s["rect"]
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    if "circle" in s:
        cx, cy, r = s["circle"]
        return _ellipse(cx, cy, r, r)
    if "ellipse" in s:
        return _ellipse(*s["ellipse"])
    if "ring" in s:
        # A keyhole contour: the outer circle one way, the inner back the other way, joined by
        # a zero-width slit; any fill rule then leaves the hole empty.
        cx, cy, ro, ri = s["ring"]
        outer = _ellipse(cx, cy, ro, ro)
        inner = _ellipse(cx, cy, ri, ri, clockwise=True)
        return [*outer, outer[0], inner[0], *inner, inner[0]]
    if "star" in s:
        cx, cy, ro, ri, n, rot = s["star"]
        pts = []
        for i in range(int(n) * 2):
            a = math.radians(rot) + math.pi * i / n - math.pi / 2
            r = ro if i % 2 == 0 else ri
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
        return pts
    if "line" in s:
        x1, y1, x2, y2 = s["line"]
        w = float(s["width"]) / 2
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / length * w, (x2 - x1) / length * w
        return [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
    if "path" in s:
        return _path(s["path"])
    raise ValueError(f"unknown shape {sorted(s)}")


def _frame(corners: list[list[float]], width: float, ground: str, border: str) -> list[Polygon]:
    """A convex frame: the border colour over the whole shape, the ground inset by width."""
    outer = [(float(x), float(y)) for x, y in corners]
    n = len(outer)
    cx = sum(p[0] for p in outer) / n
    cy = sum(p[1] for p in outer) / n
    # Inset each edge by width along its inward normal, then intersect neighbouring edges.
    lines = []
    for i in range(n):
        (x1, y1), (x2, y2) = outer[i], outer[(i + 1) % n]
        length = math.hypot(x2 - x1, y2 - y1)
        nx, ny = -(y2 - y1) / length, (x2 - x1) / length
        if (cx - x1) * nx + (cy - y1) * ny < 0:
            nx, ny = -nx, -ny
        lines.append(((x1 + nx * width, y1 + ny * width), (x2 - x1, y2 - y1)))
    inner = []
    for i in range(n):
        (px, py), (dx, dy) = lines[i - 1]
        (qx, qy), (ex, ey) = lines[i]
        det = dx * ey - dy * ex
        t = ((qx - px) * ey - (qy - py) * ex) / det
        inner.append((px + t * dx, py + t * dy))
    return [Polygon(border, tuple(outer)), Polygon(ground, tuple(inner))]


@lru_cache(maxsize=16)
def pictogram(code: str) -> tuple[Polygon, ...]:
    """The hazard pictogram of one characteristic code (T C I R In), frame first."""
    data = style()
    frame = data["pictogram_frame"]
    polys = _frame(frame["shape"], frame["border_width"], "pictogram_ground", "pictogram_border")
    for s in data["pictograms"][code]["shapes"]:
        polys.append(Polygon(s["fill"], tuple(_shape(s))))
    return tuple(polys)


@lru_cache(maxsize=1)
def facility_warning() -> tuple[Polygon, ...]:
    """The GB 15562.2 (amended) warning symbol of hazardous-waste facilities, frame first."""
    sym = style()["facility_warning"]
    polys = _frame(sym["frame"], sym["border_width"], "warning_ground", "ink")
    for s in sym["shapes"]:
        role = "warning_ground" if s["fill"] == "ground" else s["fill"]
        polys.append(Polygon(role, tuple(_shape(s))))
    return tuple(polys)


def symbol(kind: str) -> tuple[Polygon, ...]:
    """A hazard pictogram by characteristic code, or the facility warning symbol ("facility")."""
    return facility_warning() if kind == "facility" else pictogram(kind)


def place(
    polys: tuple[Polygon, ...], x: float, y: float, size: float
) -> list[tuple[str, list[Point]]]:
    """The polygons scaled to a square of side size with its top-left corner at (x, y)."""
    k = size / 100.0
    return [(p.role, [(x + px * k, y + py * k) for px, py in p.points]) for p in polys]


def role_rgb(role: str) -> tuple[int, int, int]:
    """RGB of a role on colour outputs (``warning_ground`` is the facility sign's yellow)."""
    if role == "warning_ground":
        r, g, b = style()["facility_warning"]["ground"]
        return int(r), int(g), int(b)
    return colour(role)


def role_prints_thermal(role: str) -> bool:
    """Whether a thermal printer prints the role (black)."""
    return role != "warning_ground" and thermal_prints(role)


@lru_cache(maxsize=64)
def raster(kind: str, dots: int) -> Image.Image:
    """A 1-bit image (dots x dots) of a pictogram code or "facility" for a thermal printer:
    black where the printer prints. Drawn with 4x supersampling, then thresholded."""
    polys = symbol(kind)
    big = dots * 4
    img = Image.new("L", (big, big), 255)
    d = ImageDraw.Draw(img)
    for role, pts in place(polys, 0, 0, big):
        d.polygon(pts, fill=0 if role_prints_thermal(role) else 255)
    small = img.resize((dots, dots), Image.Resampling.BOX)
    return small.point(lambda v: 0 if v < 128 else 255, mode="1")
