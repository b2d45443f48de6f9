"""Memory of uploads: every image is decoded in a child process within a budget that fits a
1 GB server with three workers (~150 MB an upload), whatever its format, shape, mode,
orientation or frame count; what would cost more is refused from its header, with a clear
message, before a pixel is decoded; and the worker itself never holds the pixels.

Peaks are the child's ru_maxrss, read through a small launcher process (a child's
ru_maxrss starts at its parent's size, so the test process cannot start it directly).
"""

import io
import json
import os
import struct
import subprocess
import sys
from functools import cache

import pytest
from PIL import Image

from cms.config import DEFAULTS
from cms.media.imaging import PEAK_BYTES
from cms.media.service import imaging_child, read_copies
from tests import test_uploads_hostile as hostile

upload = hostile.upload  # the fixture that sends through the editor and the Admin API
CEILING = DEFAULTS["MAX_IMAGE_PIXELS"]
BUDGET = 150 * 2**20  # the child's whole resident size for one upload, interpreter included
REFUSED_PEAK = 40 * 2**20  # an upload refused from its header costs about the interpreter
LAUNCHER = (
    "import json, resource, subprocess, sys\n"
    "subprocess.run(**json.loads(sys.argv[1]), check=False)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
)
ORIENTED = Image.Exif()
ORIENTED[0x0112] = 6  # rotate 90° clockwise to view


def decode(data: bytes, max_pixels: int = CEILING) -> tuple[int, list]:
    """Run the production child on the upload: (peak resident bytes, record headers)."""
    child = imaging_child(max_pixels)
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, json.dumps(child)],
        input=data, capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    peak = int(done.stderr.split()[-1]) * 1024  # ru_maxrss is in kilobytes on Linux
    return peak, [header for header, _ in read_copies(done.stdout)]


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def dimensions(pixels: int, width: int) -> tuple[int, int]:
    return width, pixels // width


def frames(mode: str, size, count: int) -> list[Image.Image]:
    return [Image.new(mode, size, (40 * i, 90, 120, 255)[: len(mode)]) for i in range(count)]


def patched_jpeg(size: tuple[int, int], progressive: bool = False) -> bytes:
    """A small real JPEG whose frame header claims `size` (a bomb that costs no memory here)."""
    data = bytearray(
        encoded(Image.new("RGB", (64, 48), (9, 99, 9)), "JPEG", progressive=progressive)
    )
    sof = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", size[1], size[0])
    return bytes(data)


def webp_canvas_bomb(side: int = 16384) -> bytes:
    """A WebP header announcing a side x side canvas (libwebp would allocate 2 GB for it)."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0" * 4 + (side - 1).to_bytes(3, "little") * 2
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


WEBP_CEILING = CEILING * 8 // PEAK_BYTES["WEBP"]
PROGRESSIVE_CEILING = CEILING * 8 // PEAK_BYTES["PROGRESSIVE"]


@cache
def at_the_ceiling() -> dict:
    """name -> (bytes, the stored size expected): the costliest uploads still accepted."""
    wide = dimensions(CEILING, 4082)
    tall = dimensions(CEILING, 1700)
    webp = dimensions(WEBP_CEILING, 2580)
    progressive = dimensions(PROGRESSIVE_CEILING, 3340)
    rgba = Image.new("RGBA", wide, (10, 120, 90, 200))
    apng = frames("RGBA", wide, 3)
    anim = frames("RGB", webp, 3)
    return {
        "RGBA PNG, EXIF-rotated": (encoded(rgba, "PNG", exif=ORIENTED), wide[::-1]),
        "tall narrow RGBA PNG": (encoded(Image.new("RGBA", tall, (1, 2, 3, 4)), "PNG"), tall),
        "palette PNG (to RGB)": (encoded(Image.new("P", wide, 7), "PNG"), wide),
        "JPEG, EXIF-rotated": (
            encoded(Image.new("RGB", wide, (200, 40, 40)), "JPEG", exif=ORIENTED),
            wide[::-1],
        ),
        "CMYK JPEG (to RGB)": (encoded(Image.new("CMYK", wide, (0, 90, 90, 0)), "JPEG"), wide),
        "JPEG of 4x the ceiling (decoded at half size)": (
            encoded(Image.new("RGB", (wide[0] * 2, wide[1] * 2), (9, 9, 9)), "JPEG"),
            wide,
        ),
        "progressive JPEG": (
            encoded(Image.new("RGB", progressive, (9, 9, 9)), "JPEG", progressive=True),
            progressive,
        ),
        "WebP": (encoded(Image.new("RGB", webp, (9, 99, 9)), "WEBP", method=0), webp),
        "3-frame APNG (first frame kept)": (
            encoded(apng[0], "PNG", save_all=True, append_images=apng[1:]),
            wide,
        ),
        "3-frame animated WebP (first frame kept)": (
            encoded(anim[0], "WEBP", save_all=True, append_images=anim[1:], method=0),
            webp,
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "RGBA PNG, EXIF-rotated",
        "tall narrow RGBA PNG",
        "palette PNG (to RGB)",
        "JPEG, EXIF-rotated",
        "CMYK JPEG (to RGB)",
        "JPEG of 4x the ceiling (decoded at half size)",
        "progressive JPEG",
        "WebP",
        "3-frame APNG (first frame kept)",
        "3-frame animated WebP (first frame kept)",
    ],
)
def test_the_costliest_accepted_uploads_stay_within_the_budget(name, report):
    data, stored = at_the_ceiling()[name]
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == (3 if "frame" in name else 1)
    peak, records = decode(data)
    assert "error" not in records[-1], records[-1]
    assert (records[0]["width"], records[0]["height"]) == stored
    assert [r["width"] for r in records[1:]] == [w for w in (1600, 960, 480) if w < stored[0]]
    assert peak < BUDGET, f"{name}: {peak / 2**20:.0f} MB"
    report(f"upload peak, {name} ({len(data):,} bytes)", f"{peak / 2**20:.0f} MB")


def above_the_ceiling() -> dict:
    """name -> bytes: uploads whose header alone shows they would cost too much."""
    over = dimensions(CEILING + 4082, 4082)
    return {
        "PNG one row over the ceiling": encoded(Image.new("1", over), "PNG"),
        "20000x20000 PNG bomb": hostile.huge_png(),
        "WebP just over its ceiling": encoded(
            Image.new("RGB", dimensions(WEBP_CEILING + 2580, 2580)), "WEBP", method=0
        ),
        "WebP header of 16384x16384": webp_canvas_bomb(),
        "JPEG header of 65000x65000": patched_jpeg((65000, 65000)),
        "progressive JPEG over its ceiling": patched_jpeg(
            dimensions(PROGRESSIVE_CEILING + 4000, 4000), progressive=True
        ),
    }


@pytest.mark.parametrize("name", list(above_the_ceiling()))
def test_uploads_over_the_ceiling_are_refused_before_decoding(name):
    peak, records = decode(above_the_ceiling()[name])
    assert len(records) == 1 and records[0]["error"].startswith("The image has too many pixels")
    assert "megapixels" in records[0]["error"]
    assert peak < REFUSED_PEAK, f"{name}: {peak / 2**20:.0f} MB, so it was decoded"


def test_a_gif_bomb_is_refused_as_a_type_without_decoding():
    gif = b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x80\0\0" + b"\0" * 6 + b";"
    peak, records = decode(gif)
    assert records == [{"error": "Upload a JPEG, PNG or WebP image.", "size": 0}]
    assert peak < REFUSED_PEAK


def test_editor_and_api_say_why_a_big_image_is_refused(upload):
    media_id, message = upload(above_the_ceiling()["PNG one row over the ceiling"], "big.png")
    assert media_id is None
    assert message.startswith("The image has too many pixels (4,082 × 3,063)")
    assert "at most 12.5 megapixels" in message


def test_a_camera_mpo_is_stored_as_its_first_jpeg(upload):
    """MPO (a JPEG with more pictures after it, as some cameras write) answered 500 before."""
    pictures = frames("RGB", (640, 480), 2)
    mpo = encoded(pictures[0], "MPO", save_all=True, append_images=pictures[1:])
    media_id, message = upload(mpo, "stereo.jpg")
    assert message is None and media_id


def test_the_worker_never_decodes_an_upload(tmp_path):
    """In a fresh process standing for a worker: an upload at the ceiling leaves the
    worker's own peak where it was, and Pillow is never imported there."""
    image = tmp_path / "wide.png"
    image.write_bytes(at_the_ceiling()["RGBA PNG, EXIF-rotated"][0])
    script = (
        "import json, resource, sys\n"
        "from cms import create_app\n"
        "from cms.core.db import db\n"
        "app = create_app({'TESTING': True, 'INSTANCE_PATH': sys.argv[1],\n"
        "                  'SECRET_KEY': 'test', 'DEMO_CONTENT': False})\n"
        "data = open(sys.argv[2], 'rb').read()\n"
        "with app.app_context():\n"
        "    db.connect(reuse_if_open=True)\n"
        "    from cms.accounts.actors import SYSTEM\n"
        "    from cms.media.service import process_upload\n"
        "    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    media = process_upload(data, 'wide.png', 'A wide green field', actor=SYSTEM)\n"
        "    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
        "print(json.dumps({'grew': grew * 1024, 'pillow': 'PIL' in sys.modules,\n"
        "                  'size': [media.width, media.height]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "instance"), str(image)],
        capture_output=True, text=True, timeout=120, check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )  # fmt: skip
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["size"] == list(at_the_ceiling()["RGBA PNG, EXIF-rotated"][1])
    assert not result["pillow"]
    assert result["grew"] < 16 * 2**20  # the upload and its encoded copies, no pixels
