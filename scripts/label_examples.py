"""Render the example labels and figures of docs/labels.md into docs/labels/.

    PYTHONPATH=. .venv/bin/python scripts/label_examples.py [docs/labels]

One label (toxic, ignitable and reactive waste solvent) in each size as PDF
(rasterised with pdftoppm) and PNG, and at 100 mm as ESC/POS and TSPL (rasterised by the test
suite's printer interpreters, as a thermal printer would print them, black only); the pictograms
in colour and as the thermal raster; and a schematic of the label's parts.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import printer
from printer import LabelSize, pictograms
from printer.fonts import find_font
from tests.printer import emulators
from tests.printer.conftest import LABELS

WIDTH = 640  # every example is this many pixels wide


def _save(img: Image.Image, path: Path) -> None:
    if img.mode in ("1", "L"):
        small = img.convert("L")
    else:
        small = img.convert("RGB").quantize(64, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    print(path, img.size)


def examples(out: Path) -> None:
    """The label in each size and output."""
    label = LABELS["liquid"]
    for size in LabelSize:
        side = int(size.side_mm)
        dpi = WIDTH / size.side_mm * 25.4
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / "l.pdf"
            pdf.write_bytes(printer.render_label(label, "pdf", size=size))
            subprocess.run(
                ["pdftoppm", "-r", f"{dpi:.2f}", "-png", "-singlefile", str(pdf), f"{tmp}/p"],
                check=True,
            )
            _save(Image.open(f"{tmp}/p.png"), out / f"label-{side}mm-pdf.png")
        png = Image.open(io.BytesIO(printer.render_label(label, "png", size=size)))
        _save(png.resize((WIDTH, WIDTH), Image.Resampling.LANCZOS), out / f"label-{side}mm-png.png")
    esc = emulators.escpos(printer.render_label(label, "escpos")).pages[0]
    _save(esc.resize((WIDTH, esc.height * WIDTH // esc.width)), out / "label-100mm-escpos.png")
    tsp = emulators.tspl(printer.render_label(label, "tspl")).pages[0]
    _save(tsp.resize((WIDTH, WIDTH)), out / "label-100mm-tspl.png")


def pictogram_sheet(out: Path) -> None:
    """The five hazard pictograms and the facility warning symbol, colour above, thermal below."""
    cell, pad = 150, 12
    kinds = ["T", "C", "I", "R", "In", "facility"]
    path, index = find_font()
    font = ImageFont.truetype(path, 22, index=index)
    img = Image.new("RGB", (len(kinds) * (cell + pad) + pad, 2 * cell + 3 * pad + 60), "white")
    d = ImageDraw.Draw(img)
    for i, kind in enumerate(kinds):
        x = pad + i * (cell + pad)
        polys = pictograms.facility_warning() if kind == "facility" else pictograms.pictogram(kind)
        d.rectangle((x, pad, x + cell, pad + cell), fill=pictograms.colour("ground"))
        for role, pts in pictograms.place(polys, x + 5, pad + 5, cell - 10):
            d.polygon(pts, fill=pictograms.role_rgb(role))
        thermal = pictograms.raster(kind, 84).convert("RGB").resize((cell, cell))
        img.paste(thermal, (x, 2 * pad + cell))
        name = (
            "设施警告" if kind == "facility" else pictograms.style()["pictograms"][kind]["name_zh"]
        )
        d.text((x + cell // 2, 3 * pad + 2 * cell + 20), name, fill="black", font=font, anchor="mm")
    _save(img, out / "pictograms.png")


def schematic(out: Path) -> None:
    """The label's parts as hwtrace lays them out (its reading of the standard's figure)."""
    s = 6.4  # pixels per mm of a 100 mm label
    path, index = find_font()
    img = Image.new("RGB", (WIDTH, WIDTH), pictograms.colour("ground"))
    d = ImageDraw.Draw(img)

    def box(x: float, y: float, w: float, h: float, text: str, size: int = 18) -> None:
        d.rectangle((x * s, y * s, (x + w) * s, (y + h) * s), outline="black", width=2)
        f = ImageFont.truetype(path, size, index=index)
        d.multiline_text(
            ((x + w / 2) * s, (y + h / 2) * s),
            text,
            fill="black",
            font=f,
            anchor="mm",
            align="center",
        )

    d.rectangle((3 * s, 3 * s, 97 * s, 97 * s), outline="black", width=round(s))
    box(4, 4, 92, 11, "标题栏 title band：危险废物", 26)
    box(
        5.2,
        17,
        53,
        64,
        "栏目 fields (ruled rows)\n废物名称 … 备注\n15 rows, wrap / shrink /\ncut with …",
        18,
    )
    box(62, 17, 33, 31, "二维码\nQR (main carrier)", 18)
    box(62, 50, 33, 28, "危险特性警示图形\nhazard pictograms\n+ words", 16)
    box(5, 83, 90, 12, "CODE128 + 数字识别码 text", 20)
    _save(img, out / "schematic.png")


def signs(out: Path) -> None:
    """A storage facility sign and a storage zone sign (A4, PNG)."""
    rows = (
        ("单位名称", "苏州某某化工有限公司"),
        ("设施类型", "贮存库"),
        ("可贮存类别", "HW06、HW08、HW49"),
        ("贮存能力", "20 t，最长贮存 1 年"),
        ("负责人", "张三"),
        ("联系方式", "0512-66668888"),
    )
    url = "https://hwtrace.park.example/f/"
    storage = printer.SignData(
        "storage", "91320500MA1W9XKX3T-ZC001", "1号危废贮存库", rows, url + "ZC001", ("T", "I")
    )
    zone = printer.SignData(
        "zone",
        "91320500MA1W9XKX3T-ZC001-A",
        "1号库 A 区：废有机溶剂",
        (("贮存废物", "废有机溶剂 900-402-06"), ("危险特性", "毒性、易燃性"), *rows[4:]),
        url + "ZC001-A",
        ("T", "I"),
    )
    for name, sign in (("sign-storage", storage), ("sign-zone", zone)):
        img = Image.open(io.BytesIO(printer.render_sign(sign, "png")))
        _save(img.resize((WIDTH, WIDTH * img.height // img.width)), out / f"{name}.png")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/labels")
    out.mkdir(parents=True, exist_ok=True)
    examples(out)
    pictogram_sheet(out)
    schematic(out)
    signs(out)


if __name__ == "__main__":
    main()
