"""The agency's images: refused when unreadable, re-encoded from their pixels when used.

The images are made here with Pillow, into each test's own agency folder: a 40 x 20 picture
unless the test is about size.
"""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms
from pypdf import PdfReader

from pipeline.build import build_packet
from pipeline.cli import main
from pipeline.images import LOGO, clean_image

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS = 0x8825
ORIENTATION = 0x0112
ROTATE_90_CLOCKWISE = 6  # EXIF: the camera was held on its side


def with_logo(folder: Path, name: str, data: bytes) -> Path:
    """Save `data` as `name` in the agency folder and name it in profile.yaml as the logo."""
    path = folder / name
    path.write_bytes(data)
    profile = folder / "profile.yaml"
    services = "  services: [Primary care]\n"
    profile.write_text(profile.read_text().replace(services, f"{services}  logo: {name}\n"))
    return path


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    stream = BytesIO()
    image.save(stream, image_format, **options)
    return stream.getvalue()


def two_colours(mode: str = "RGB") -> Image.Image:
    """40 x 20: red on the left half, blue on the right."""
    image = Image.new("RGB", (40, 20), BLUE)
    image.paste(RED, (0, 0, 20, 20))
    return image.convert(mode)


def noise_png() -> bytes:
    """A PNG that compresses badly, so that cutting it in half cuts into its pixels."""
    pixels = random.Random(16).randbytes(40 * 20 * 3)
    return encoded(Image.frombytes("RGB", (40, 20), pixels), "PNG")


def png_header(width: int, height: int) -> bytes:
    """A small PNG file that says it is `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 100))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def photo_with_gps() -> bytes:
    """A phone photo's JPEG: camera make and model, and where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Examplephone"
    exif[0x0110] = "Model 7"
    exif[GPS] = {1: "N", 2: (37.0, 46.0, 29.7), 3: "W", 4: (122.0, 25.0, 9.8)}
    return encoded(two_colours(), "JPEG", exif=exif, quality=95)


def photo_on_its_side() -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_90_CLOCKWISE
    return encoded(two_colours(), "JPEG", exif=exif, quality=95)


def validate(folder: Path):
    return CliRunner().invoke(main, ["validate", str(folder)])


def bundle_images(folder: Path, out: Path) -> list[tuple[bytes, Image.Image]]:
    """Build the packet without PDF; every image in bundle.docx, as bytes and opened."""
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "bundle.docx") as package:
        media = [name for name in package.namelist() if name.startswith("word/media/")]
        blobs = [package.read(name) for name in media]
    return [(blob, Image.open(BytesIO(blob))) for blob in blobs]


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory) -> Path:
    """A 9000 x 9000 logo, made once: 81 million pixels where the cover prints 260 x 260."""
    path = tmp_path_factory.mktemp("huge") / "logo.png"
    Image.new("RGB", (9000, 9000), RED).save(path)
    return path


UNREADABLE = {
    "empty": (b"", "is empty (0 bytes)"),
    "truncated": (noise_png()[:1200], "is damaged or cut short"),
    "text renamed": (b"Harbor Family Health\n", "is not a PNG, JPEG, GIF, BMP or TIFF image"),
}


@pytest.mark.parametrize("case", UNREADABLE)
def test_an_unreadable_logo_is_an_input_problem_naming_file_and_field(scenario, case):
    data, reason = UNREADABLE[case]
    folder = scenario("minimal-clinic")
    logo = with_logo(folder, "logo.png", data)
    result = validate(folder)
    assert result.exit_code == 2
    assert f"{folder}/profile.yaml:14:3: agency.logo: {logo} {reason}" in result.output
    assert "Traceback" not in result.output


def test_an_image_in_another_format_is_refused_though_pillow_reads_it(scenario):
    folder = scenario("minimal-clinic")
    logo = with_logo(folder, "logo.png", encoded(two_colours(), "WEBP"))
    result = validate(folder)
    assert result.exit_code == 2
    assert f"{logo} is not a PNG, JPEG, GIF, BMP or TIFF image" in result.output


def test_a_file_over_50_mb_is_refused_without_being_opened(scenario):
    folder = scenario("minimal-clinic")
    logo = with_logo(folder, "logo.png", encoded(two_colours(), "PNG"))
    with logo.open("r+b") as stream:
        stream.truncate(51 * 2**20)  # sparse: takes no room on disk
    result = validate(folder)
    assert result.exit_code == 2
    assert f"{logo} is 51 MB; an image may be at most 50 MB" in result.output


@pytest.mark.parametrize("side", [10_000, 20_000])  # Pillow warns, then refuses outright
def test_a_decompression_bomb_is_refused_with_a_message(scenario, side):
    folder = scenario("minimal-clinic")
    with_logo(folder, "logo.png", png_header(side, side))
    result = validate(folder)
    assert result.exit_code == 2
    assert "too many to open safely (a decompression bomb" in result.output
    assert "Traceback" not in result.output


def test_a_cmyk_jpeg_builds_as_rgb(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    with_logo(folder, "logo.jpg", encoded(Image.new("CMYK", (40, 20), (0, 255, 255, 0)), "JPEG"))
    [(_, image)] = bundle_images(folder, tmp_path / "out")
    assert (image.mode, image.getpixel((0, 0))) == ("RGB", (255, 0, 0))


def test_a_huge_logo_is_a_warning(scenario, huge_png):
    folder = scenario("minimal-clinic")
    with_logo(folder, "logo.png", huge_png.read_bytes())
    result = validate(folder)
    assert result.exit_code == 0
    assert "agency.logo: warning: " in result.output
    assert "is 9000 x 9000 pixels, far more than printing it 22 mm high needs" in result.output


def test_a_huge_logo_goes_in_at_the_size_it_prints_at(scenario, huge_png, tmp_path):
    folder = scenario("minimal-clinic")
    with_logo(folder, "logo.png", huge_png.read_bytes())
    [(_, image)] = bundle_images(folder, tmp_path / "out")
    assert image.size == (260, 260)  # 22 mm at 300 dpi


def test_a_small_logo_is_never_enlarged(tmp_path):
    path = tmp_path / "logo.png"
    two_colours().save(path)
    assert Image.open(BytesIO(clean_image(path, LOGO))).size == (40, 20)


def test_a_colour_profile_is_applied_then_left_out(tmp_path):
    path = tmp_path / "logo.jpg"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    two_colours().save(path, icc_profile=srgb, quality=95)
    image = Image.open(BytesIO(clean_image(path, LOGO)))
    red, green, blue = image.getpixel((5, 10))
    assert "icc_profile" not in image.info
    assert red > 180 and blue < 60


def test_a_photo_goes_in_without_exif_or_gps(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    photo = with_logo(folder, "photo.jpg", photo_with_gps())
    assert Image.open(photo).getexif().get_ifd(GPS)  # the agency's file does say where
    [(blob, image)] = bundle_images(folder, tmp_path / "out")
    assert (image.format, dict(image.getexif()), b"Exif" in blob) == ("PNG", {}, False)


def test_the_agencys_own_file_is_only_read(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    photo = with_logo(folder, "photo.jpg", photo_with_gps())
    before = {path: path.read_bytes() for path in folder.iterdir()}
    bundle_images(folder, tmp_path / "out")
    assert {path: path.read_bytes() for path in folder.iterdir()} == before
    assert photo.read_bytes() == photo_with_gps()


def test_a_photo_taken_on_its_side_goes_in_upright(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    with_logo(folder, "photo.jpg", photo_on_its_side())
    [(_, image)] = bundle_images(folder, tmp_path / "out")
    assert image.size == (20, 40)
    red, green, blue = image.getpixel((10, 2))  # the photo's left half is now on top
    assert red > 180 and blue < 60


def test_transparency_is_kept(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    palette = two_colours().convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
    clear = palette.getpixel((0, 0))
    with_logo(folder, "logo.gif", encoded(palette, "GIF", transparency=clear))
    [(_, image)] = bundle_images(folder, tmp_path / "out")
    assert image.mode == "RGBA"
    assert (image.getpixel((0, 0))[3], image.getpixel((39, 0))[3]) == (0, 255)


@pytest.mark.pdf
def test_a_photo_goes_into_the_pdf_without_exif_or_gps(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    with_logo(folder, "photo.jpg", photo_with_gps())
    out = build_packet(folder, tmp_path / "out").out
    [image] = PdfReader(out / "bundle.pdf").pages[0].images
    assert b"Exif" not in (out / "bundle.pdf").read_bytes()
    assert (b"Exif" in image.data, dict(image.image.getexif())) == (False, {})
