"""Images an agency supplies (its logo): checked when the inputs are read, cleaned when used.

A document never gets the agency's file as it is: it gets a PNG re-encoded from the image's
pixels, upright, in sRGB and no larger than its printed size needs at 300 dpi. Nothing else in
the file comes along: EXIF (camera, date, GPS position), XMP, comments, embedded thumbnails and
colour profiles stay behind. The agency's own file is only read.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from pipeline.errors import Problem, RenderError
from pipeline.yamlfile import FieldPath, YamlDocument

# The formats Word has always shown; Pillow's decoder for each is the only one ever tried.
ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF")
ACCEPTED = "a PNG, JPEG, GIF, BMP or TIFF image"
MAX_FILE_BYTES = 50 * 2**20
PRINT_DPI = 300
MM_PER_INCH = 25.4
# Twice the pixels 300 dpi needs along each side (four times in all) is more than print uses.
OVERSIZE = 2
EXIF_ORIENTATION = 0x0112
ORIENTATIONS_ON_THEIR_SIDE = {5, 6, 7, 8}
SRGB = ImageCms.createProfile("sRGB")
SIDE_WORDS = {"height": "high", "width": "wide"}


@dataclass(frozen=True)
class PrintedSize:
    """How large a document prints an image: its height or its width, in millimetres."""

    dimension: str  # "height" or "width"
    mm: float

    @property
    def pixels(self) -> int:
        """Pixels along `dimension` that printing at 300 dpi needs."""
        return round(self.mm / MM_PER_INCH * PRINT_DPI)


LOGO = PrintedSize("height", 22)  # the cover's logo


class UnreadableImage(Exception):
    """An image file that cannot be read whole, with why in the agency's words."""


def check_image(
    path: Path, printed: PrintedSize, document: YamlDocument, field_path: FieldPath
) -> list[Problem]:
    """An unreadable image is an error, one far larger than it prints a warning, each named at
    the field of `document` that names the image."""
    try:
        with opened(path) as image:
            image.load()
            width, height = upright_size(image)
    except UnreadableImage as unreadable:
        return [document.problem(field_path, str(unreadable))]
    along = height if printed.dimension == "height" else width
    if along <= OVERSIZE * printed.pixels:
        return []
    needed_width, needed_height = scaled_size((width, height), printed)
    message = (
        f"{path} is {width} x {height} pixels, far more than printing it "
        f"{printed.mm:g} mm {SIDE_WORDS[printed.dimension]} needs ({needed_width} x "
        f"{needed_height} at {PRINT_DPI} dpi); the documents get a scaled-down copy, but a "
        "smaller file keeps builds quick"
    )
    return [document.warning(field_path, message)]


def clean_image(path: Path, printed: PrintedSize) -> bytes:
    """The image as the documents show it: a PNG of its pixels only, upright, sRGB, scaled."""
    try:
        with opened(path) as image:
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            pixels = scaled(image, printed)
    except UnreadableImage as unreadable:
        raise RenderError(str(unreadable)) from unreadable
    pixels = to_srgb(pixels)
    # A fresh image carries no `info` (EXIF, XMP, ICC, text, transparency key) from the file.
    bare = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    stream = BytesIO()
    bare.save(stream, "PNG")  # optimize=True: 3% smaller, five times slower
    return stream.getvalue()


@contextmanager
def opened(path: Path) -> Iterator[Image.Image]:
    """The image at `path`, opened by an accepted format's decoder; UnreadableImage if not."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableImage(f"{path} is empty (0 bytes); expected {ACCEPTED}")
    if size > MAX_FILE_BYTES:
        raise UnreadableImage(
            f"{path} is {size / 2**20:.0f} MB; an image may be at most "
            f"{MAX_FILE_BYTES // 2**20} MB (save a smaller copy)"
        )
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; a decompression bomb is refused.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=ACCEPTED_FORMATS) as image:
                yield image
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise UnreadableImage(
                f"{path} has more than {Image.MAX_IMAGE_PIXELS // 1_000_000} million pixels, "
                "too many to open safely (a decompression bomb looks like this); "
                "save a smaller copy"
            ) from error
        except UnidentifiedImageError as error:
            raise UnreadableImage(f"{path} is not {ACCEPTED} (or its start is damaged)") from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise UnreadableImage(
                f"{path} is damaged or cut short ({error}); save it again from the original"
            ) from error


def upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as the image is meant to be seen (EXIF may say it lies on its side)."""
    width, height = image.size
    if image.getexif().get(EXIF_ORIENTATION) in ORIENTATIONS_ON_THEIR_SIDE:
        return height, width
    return width, height


def scaled_size(size: tuple[int, int], printed: PrintedSize) -> tuple[int, int]:
    """`size` shrunk, keeping its proportions, to the pixels its printed size needs; never grown."""
    width, height = size
    along = height if printed.dimension == "height" else width
    if along <= printed.pixels:
        return size
    scale = printed.pixels / along
    return max(1, round(width * scale)), max(1, round(height * scale))


def scaled(image: Image.Image, printed: PrintedSize) -> Image.Image:
    """The image at the pixel size it prints at (scaled first, so later steps handle few pixels)."""
    if image.mode in ("1", "P", "PA") or "transparency" in image.info:
        # Palette indices and a transparent colour key cannot be averaged; colours can.
        image = image.convert("RGBA" if has_transparency(image) else "RGB")
    size = scaled_size(image.size, printed)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB, or RGBA where the image has transparency, in sRGB colours (CMYK and all)."""
    mode = "RGBA" if has_transparency(image) else "RGB"
    if image.mode.startswith("I"):  # 16-bit grey: Pillow's conversion would clip to white
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert(mode)
    profile = image.info.get("icc_profile")
    if image.mode == mode and not profile:
        return image
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(profile))
            return ImageCms.profileToProfile(image, source, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile that does not fit the pixels: convert them as they are
    return image.convert(mode)
