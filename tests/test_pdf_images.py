"""PNG charts embedded in the PDF as they are (export/pdf_images.py): the PDF's images
have the PNG's pixels, and the PNGs a PDF cannot take as they are still reach it."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from nps_report.export import pdf
from nps_report.export.pdf_images import images_by_reference, png_pixel_data

pikepdf = pytest.importorskip("pikepdf")
Image = pytest.importorskip("PIL.Image")


def png_bytes(image, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def noise(mode, size=(37, 23), seed=0):
    """Random pixels (every PNG row filter gets used) in ``mode``."""
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    pixels = rng.integers(0, 256, size=(size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(pixels.squeeze(), mode)


def test_which_pngs_a_pdf_takes_as_they_are():
    assert png_pixel_data(png_bytes(noise("RGB"))) is not None
    assert png_pixel_data(png_bytes(noise("L"))) is not None
    # transparency, a palette, 16 bits, interlacing: WeasyPrint must convert them
    assert png_pixel_data(png_bytes(noise("RGBA"))) is None
    assert png_pixel_data(png_bytes(noise("RGB").convert("P"))) is None
    assert png_pixel_data(png_bytes(noise("L").convert("I;16"))) is None
    rgb = png_bytes(noise("RGB"))
    interlaced = rgb[:28] + b"\x01" + rgb[29:]  # IHDR's interlace byte (Pillow writes none)
    assert png_pixel_data(interlaced) is None
    assert png_pixel_data(png_bytes(noise("L"), transparency=0)) is None  # tRNS chunk
    assert png_pixel_data(b"GIF89a...") is None
    assert png_pixel_data(rgb[:60]) is None  # truncated


def test_pdf_images_have_the_png_pixels(tmp_path):
    images = {"rgb": noise("RGB", seed=1), "grey": noise("L", seed=2), "alpha": noise("RGBA", seed=3)}
    tags = "".join(
        f'<p><img alt="{name}" src="data:image/png;base64,{base64.b64encode(png_bytes(image)).decode()}"></p>'
        for name, image in images.items())
    body, by_reference = images_by_reference(tags)
    assert sorted(by_reference) == ["nps-image:0", "nps-image:1"]  # the RGBA one stays a data URI
    assert body.count("data:image/png") == 1
    target = tmp_path / "images.pdf"
    pdf.get_engine().write(pdf.print_document("t", body), target, images=by_reference)

    found = []
    with pikepdf.open(target) as document:
        for page in document.pages:
            for raw in page.get_images().values():
                found.append(np.asarray(pikepdf.PdfImage(raw).as_pil_image()))
    assert len(found) == 3
    for name, image in images.items():
        wanted = np.asarray(image)  # (pikepdf gives the RGBA one with its soft mask as alpha)
        assert any(f.shape == wanted.shape and np.array_equal(f, wanted) for f in found), name
