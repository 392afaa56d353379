"""The report's PNG charts handed to WeasyPrint so that the PDF embeds them as they are.

A PDF image stream with ``/FlateDecode`` and PNG predictors (``/Predictor 15``) holds
exactly the bytes of a PNG file's ``IDAT`` chunks when the PNG is 8 bits per channel,
grey or RGB, without transparency and not interlaced (what matplotlib writes for an
opaque chart). WeasyPrint builds that stream by decoding every PNG and encoding it again
(about 10 ms per chart); :func:`images_by_reference` and :func:`image_cache` let it take
the ``IDAT`` bytes instead: the same pixels, no decoding.

The HTML's ``<img src="data:image/png;base64,...">`` of such PNGs become short
``nps-image:N`` references (WeasyPrint's HTML parser no longer reads the base64 text),
and the image cache given to WeasyPrint's ``render`` already holds an image object for
each reference. Any other image (JPEG, SVG, PNG with transparency, a file) is left to
WeasyPrint as it was.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REFERENCE_SCHEME = "nps-image"
# grey and RGB, the two PNG colour types WeasyPrint embeds without an alpha mask
_COLOUR_TYPES = {0: "L", 2: "RGB"}
_PNG_SRC = re.compile(r'(<img\b[^<>]*?\ssrc=")data:image/png;base64,([A-Za-z0-9+/=\s]+)(")', re.I)


def png_pixel_data(png: bytes) -> bytes | None:
    """The compressed pixel rows of a PNG (its ``IDAT`` chunks joined), when a PDF can
    use them as they are; ``None`` otherwise.

    They can when the PNG has 8 bits per channel, is grey or RGB, has no ``tRNS``
    (transparency) chunk and is not interlaced. The bytes are then a zlib stream of rows,
    each row prefixed by its PNG filter type: a PDF reads it with ``/FlateDecode`` and
    ``/DecodeParms << /Predictor 15 /Colors c /Columns width >>``.

    Examples
    --------
    >>> from PIL import Image
    >>> out = io.BytesIO()
    >>> Image.new("RGB", (3, 2), "white").save(out, format="PNG")
    >>> import zlib
    >>> len(zlib.decompress(png_pixel_data(out.getvalue())))  # 2 rows: filter byte + 3 x RGB
    20
    >>> Image.new("RGBA", (3, 2)).save(out := io.BytesIO(), format="PNG")
    >>> png_pixel_data(out.getvalue()) is None
    True
    """
    if not png.startswith(PNG_SIGNATURE):
        return None
    at, chunks = len(PNG_SIGNATURE), []
    header = None
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        data = png[at + 8:at + 8 + length]
        if len(data) != length:
            return None  # truncated file
        if kind == b"IHDR":
            if length != 13:
                return None
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"tRNS":
            return None
        elif kind == b"IDAT":
            chunks.append(data)
        elif kind == b"IEND":
            break
        at += 12 + length  # length, type, data, CRC
    if header is None or not chunks:
        return None
    _, _, depth, colour, compression, filtering, interlace = header
    if depth != 8 or colour not in _COLOUR_TYPES or compression or filtering or interlace:
        return None
    return b"".join(chunks)


def images_by_reference(body: str) -> tuple[str, dict]:
    """Replace the PNG data URIs of ``<img>`` tags that a PDF can embed as they are
    (:func:`png_pixel_data`) by ``nps-image:N`` references.

    Returns
    -------
    (str, dict)
        The body, and reference -> PNG bytes (for :func:`image_cache`).

    Examples
    --------
    >>> from PIL import Image
    >>> out = io.BytesIO()
    >>> Image.new("RGB", (2, 2), "white").save(out, format="PNG")
    >>> src = base64.b64encode(out.getvalue()).decode()
    >>> body, images = images_by_reference(f'<p><img alt="chart" src="data:image/png;base64,{src}"></p>')
    >>> body, list(images)
    ('<p><img alt="chart" src="nps-image:0"></p>', ['nps-image:0'])
    """
    images: dict[str, bytes] = {}

    def by_reference(found):
        try:
            png = base64.b64decode(found.group(2), validate=False)
        except (binascii.Error, ValueError):
            return found.group(0)
        if png_pixel_data(png) is None:
            return found.group(0)
        reference = f"{REFERENCE_SCHEME}:{len(images)}"
        images[reference] = png
        return f"{found.group(1)}{reference}{found.group(3)}"

    return _PNG_SRC.sub(by_reference, body), images


def image_cache(images: dict, raster_image_class, options: dict) -> dict:
    """WeasyPrint's image cache for one document, holding ``images`` (reference -> PNG
    bytes from :func:`images_by_reference`) as images embedded without re-encoding.

    Parameters
    ----------
    images : dict
    raster_image_class : type
        ``weasyprint.images.RasterImage``.
    options : dict
        WeasyPrint's rendering options (``weasyprint.DEFAULT_OPTIONS`` and the ones given).

    Returns
    -------
    dict
        To pass as ``cache=`` to ``HTML.render``: WeasyPrint looks an image up there by its
        URL before fetching it, and keeps its encoded data there.
    """
    cache: dict = {}
    image_class = png_as_is_class(raster_image_class)
    for reference, png in images.items():
        image_id = hashlib.md5(png, usedforsecurity=False).hexdigest()
        cache[reference] = image_class(png, image_id, cache, options)
    return cache


_CLASSES: dict = {}


def png_as_is_class(raster_image_class):
    """A subclass of WeasyPrint's ``RasterImage`` whose PDF stream is the PNG's own
    ``IDAT`` bytes (WeasyPrint writes the stream's dictionary as for any PNG)."""
    if raster_image_class in _CLASSES:
        return _CLASSES[raster_image_class]
    from PIL import Image

    class PngAsIs(raster_image_class):
        def __init__(self, png, image_id, cache, options):
            super().__init__(Image.open(io.BytesIO(png)), image_id, png, cache=cache,
                             orientation="none", options=options)
            self.pixel_data = png_pixel_data(png)
            self.as_is = False

        def get_x_object(self, interpolate, dpi_ratio):
            # a PDF dpi limit (dpi_ratio < 1) makes WeasyPrint shrink the image first
            self.as_is = dpi_ratio == 1
            return super().get_x_object(interpolate, dpi_ratio)

        def _get_png_data(self, pillow_image):
            # WeasyPrint calls this with the image it just opened from the PNG, to take
            # the IDAT chunks of that image encoded again
            if self.as_is and pillow_image.size == (self.width, self.height) \
                    and pillow_image.mode == self.mode:
                return self.pixel_data
            return raster_image_class._get_png_data(pillow_image)

    _CLASSES[raster_image_class] = PngAsIs
    return PngAsIs
