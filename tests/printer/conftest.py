"""Label builders for the printer tests: every waste form and several hazard sets."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from printer import LabelData

CODE = "91320500MA1W9XKX3T900041492026112400"
CODE_38 = "91320500MA1W9XKX3T9000414920261124007"


def make_label(**overrides: object) -> LabelData:
    """A realistic 100 mm label; override any field."""
    base = LabelData(
        name="废活性炭",
        category="HW49 其他废物",
        waste_code="900-041-49",
        form="固态",
        hazards=("T", "In"),
        main_components="活性炭、有机物",
        harmful_components="苯系物、VOCs",
        precautions="密闭存放，远离火源，防止泄漏",
        identification_code=CODE,
        producer="苏州某某化工有限公司",
        contact_person="张三",
        contact_phone="0512-66668888",
        production_date="2026-11-24",
        weight="25.50 kg",
        remarks="无",
        qr_payload=f"HW1|{CODE}|900-041-49|25.50kg|20261124|K7",
        barcode=CODE,
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


LABELS: dict[str, LabelData] = {
    "solid": make_label(),
    "semi-solid": make_label(
        name="含油污泥",
        category="HW08 废矿物油与含矿物油废物",
        waste_code="900-210-08",
        form="半固态",
        hazards=("T", "I"),
        main_components="矿物油、泥沙、水",
        harmful_components="石油烃",
        weight="812.000 kg",
        qr_payload="HW1|91320500MA1W9XKX3T900210082026112401|900-210-08|812.000kg|20261124|Q2",
        identification_code="91320500MA1W9XKX3T900210082026112401",
        barcode="91320500MA1W9XKX3T900210082026112401",
    ),
    "liquid": make_label(
        name="废有机溶剂",
        category="HW06 废有机溶剂与含有机溶剂废物",
        waste_code="900-402-06",
        form="液态",
        hazards=("T", "I", "R"),
        main_components="丙酮、乙酸乙酯",
        harmful_components="丙酮",
        precautions="防火防爆，桶口朝上",
        weight="180.5 kg",
        barcode=CODE_38,
        identification_code=CODE_38,
        qr_payload=f"HW1|{CODE_38}|900-402-06|180.5kg|20261124|Z9",
    ),
    "gas": make_label(
        name="废弃气瓶内残余气体",
        category="HW49 其他废物",
        waste_code="900-999-49",
        form="气态",
        hazards=("T", "C", "I", "R", "In"),
        main_components="氯气",
        harmful_components="氯气",
        precautions="阀门关闭，防止泄漏、曝晒",
        weight="3.2 kg",
        remarks='钢瓶编号 "A-17"',
        qr_payload="HW1|91320500MA1W9XKX3T900999492026112402|900-999-49|3.2kg|20261124|M1",
    ),
    "corrosive-acid": make_label(
        name="废酸",
        category="HW34 废酸",
        waste_code="900-300-34",
        form="液态",
        hazards=("C",),
        main_components="硫酸、水",
        harmful_components="硫酸",
        weight="50 kg",
        qr_payload="HW1|91320500MA1W9XKX3T900300342026112403|900-300-34|50kg|20261124|AB",
    ),
}


def zbar(path: Path) -> list[str]:
    """Every symbol zbarimg decodes from an image, one per line, raw."""
    out = subprocess.run(
        ["zbarimg", "--raw", "-q", str(path)], capture_output=True, check=False, timeout=30
    )
    return [line for line in out.stdout.decode("utf-8").split("\n") if line]


@pytest.fixture(scope="session", autouse=True)
def _tools() -> None:
    for tool in ("zbarimg", "pdftoppm", "pdftotext", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: apt-get install zbar-tools poppler-utils")
