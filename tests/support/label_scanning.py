"""Labels read back as a scanner would: a PDF rendered to images by poppler's ``pdftoppm``
and every label's cell decoded by zbar's ``zbarimg`` (Debian's ``poppler-utils`` and
``zbar-tools``, which ``.ci/run`` installs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from PIL import Image

from services.inventory.domain.labels import SheetFormat

DPI = 300
ZBAR = "{http://zbar.sourceforge.net/2008/barcode}"
SYMBOLOGIES = {"code128": "CODE-128", "qrcode": "QR-Code"}


def scanning_tool(name: str) -> str:
    """The path of ``pdftoppm``, ``pdftotext`` or ``zbarimg``; skipped without it, failed in
    CI (``REQUIRE_INTEGRATION=1``)."""
    found = shutil.which(name)
    if found:
        return found
    package = "zbar-tools" if name == "zbarimg" else "poppler-utils"
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"{name} is missing: apt-get install {package} (.ci/run does)")
    pytest.skip(f"{name} is missing: apt-get install {package}")


def page_images(pdf: bytes, folder: Path) -> list[Path]:
    """Each page of ``pdf`` as a grey PNG at :data:`DPI`, in page order."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [scanning_tool("pdftoppm"), "-r", str(DPI), "-gray", "-png", source, folder / "page"],
        check=True,
        timeout=120,
    )
    return sorted(folder.glob("page-*.png"), key=lambda path: int(path.stem.split("-")[1]))


def pdf_text(pdf: bytes, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        [scanning_tool("pdftotext"), "-layout", source, "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def decode(images: list[Path], symbology: str) -> dict[str, list[str]]:
    """What ``zbarimg`` reads in each image (by file name), ``symbology`` only."""
    done = subprocess.run(
        [scanning_tool("zbarimg"), "--xml", "-q", "-Sdisable", f"-S{symbology}.enable"]
        + [str(image) for image in images],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 4), done.stderr  # 4: some image had no symbol
    found: dict[str, list[str]] = {Path(image).name: [] for image in images}
    for source in ElementTree.fromstring(done.stdout).iter(f"{ZBAR}source"):
        name = Path(source.get("href")).name
        for symbol in source.iter(f"{ZBAR}symbol"):
            assert symbol.get("type") == SYMBOLOGIES[symbology]
            found[name].append(symbol.find(f"{ZBAR}data").text)
    return found


def scan_sheets(pdf: bytes, sheet: SheetFormat, folder: Path, symbology: str = "code128"):
    """Per page, per position on the sheet (row by row): the texts decoded in that label's
    cell alone; an empty list where nothing scans."""
    pages = page_images(pdf, folder)
    cells: list[list[Path]] = []
    for number, page in enumerate(pages):
        with Image.open(page) as image:
            cells.append([])
            for slot in range(sheet.per_sheet):
                x, y = sheet.corner(slot)
                box = [
                    round(v * DPI / 25.4)
                    for v in (x, y, x + sheet.label_width, y + sheet.label_height)
                ]
                cell = folder / f"cell-{number}-{slot}.png"
                image.crop(tuple(box)).save(cell)
                cells[-1].append(cell)
    decoded = decode([cell for page in cells for cell in page], symbology)
    return [[decoded[cell.name] for cell in page] for page in cells]


def in_reading_order(pages: list[list[list[str]]]) -> list[str | None]:
    """Every position of every page in order: its one text, or None where none scans."""
    slots: list[str | None] = []
    for page in pages:
        for texts in page:
            assert len(texts) <= 1, texts
            slots.append(texts[0] if texts else None)
    return slots
