"""Pillow's part of uploads, run as a child process: decode within a memory budget, strip
metadata, re-encode, resize.

cms/media/service.py starts `python -P cms/media/imaging.py OPTIONS` with the upload on
stdin, so the worker that took the upload never loads Pillow or holds a pixel. This
process limits its own memory (RLIMIT_DATA) and CPU time before it reads a byte: a file
that would cost more than the budget is refused from its header, and anything the header
did not tell is stopped by the limit, never by the server running out of memory. Standard
library and Pillow only: nothing from cms/ is imported here.

Budget: BYTES_PER_PIXEL x MAX_IMAGE_PIXELS for pixels, plus ALLOWANCE for the interpreter,
the upload itself and the encoded copies. At most two full-size copies exist at any time:
the decoded image and its converted, rotated or resized successor.

Output on stdout: records, each a JSON line followed by `size` bytes (the full-size image
first, then the smaller copies widest first), or one {"error": ...} record.
"""

import io
import json
import resource
import struct
import sys
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
}
BYTES_PER_PIXEL = 8  # two copies of 4 bytes a pixel (Pillow keeps RGB in 4 bytes too)
ALLOWANCE = 48 * 2**20  # the interpreter (~10 MB), the upload (<= 15 MB), encoded copies
# What one pixel costs at the peak, where it costs more than two copies (measured with
# Pillow 11-13): libwebp keeps two canvases and a copy of the frame beside the image until
# it is let go; a progressive JPEG keeps every DCT coefficient (up to 8 bytes a pixel)
# while it decodes, at full size even in draft mode.
PEAK_BYTES = {"WEBP": 20, "PROGRESSIVE": 12}
DRAFT_SCALES = (2, 4)  # libjpeg decodes large JPEGs at 1/2 or 1/4 size directly
WEB_MODES = ("RGB", "RGBA", "L")

UNKNOWN = "Upload a JPEG, PNG or WebP image."
DAMAGED = "The image file is damaged or incomplete."
TOO_MANY = (
    "The image has too many pixels ({width:,} × {height:,}): a {kind} may have at most "
    "{limit:g} megapixels. Save it smaller and upload it again."
)
NO_MEMORY = (
    "The image needs more memory to process than an upload may use. Save it with fewer "
    "pixels (or as a JPEG) and upload it again."
)
UNPROCESSABLE = "The image could not be processed."


class Refused(Exception):
    """An upload that is not stored; the message is shown to the person who sent it."""


def memory_limit(max_pixels: int) -> int:
    """The most memory (bytes of data) the child may use for one upload."""
    return ALLOWANCE + BYTES_PER_PIXEL * max_pixels


def _webp_canvas(data: bytes) -> tuple[int, int] | None:
    """A WebP file's canvas size from its first chunk (libwebp allocates the canvas as
    soon as Pillow opens the file, so the size is checked before that)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        return (
            int.from_bytes(data[24:27], "little") + 1,
            int.from_bytes(data[27:30], "little") + 1,
        )
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = struct.unpack("<I", data[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _check(width: int, height: int, kind: str, max_pixels: int, cost: int) -> None:
    limit = max_pixels * BYTES_PER_PIXEL // cost
    if width * height > limit:
        values = {"width": width, "height": height, "kind": kind, "limit": limit / 1e6}
        raise Refused(TOO_MANY.format(**values))


def open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """The upload opened from its header only, refused if decoding it would cost more than
    the budget; a JPEG larger than max_pixels is set to decode at 1/2 or 1/4 size."""
    canvas = _webp_canvas(data)
    if canvas:
        _check(*canvas, "WebP image", max_pixels, PEAK_BYTES["WEBP"])
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError:
        raise Refused(UNKNOWN) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise Refused(DAMAGED) from None
    width, height = image.size
    if image.format == "WEBP":
        _check(width, height, "WebP image", max_pixels, PEAK_BYTES["WEBP"])
    elif image.format == "PNG":
        _check(width, height, "PNG image", max_pixels, BYTES_PER_PIXEL)
    elif image.info.get("progressive"):  # JPEG (or MPO, a camera's JPEG with extra frames)
        _check(width, height, "progressive JPEG", max_pixels, PEAK_BYTES["PROGRESSIVE"])
    else:
        scale = next((s for s in (1, *DRAFT_SCALES) if width * height <= max_pixels * s * s), 0)
        _check(width, height, "JPEG image", max_pixels * DRAFT_SCALES[-1] ** 2, BYTES_PER_PIXEL)
        if scale > 1:
            image.draft(None, (width // scale, height // scale))
        _check(*image.size, "JPEG image", max_pixels, BYTES_PER_PIXEL)  # draft not possible
    return image


def plain(image: Image.Image) -> Image.Image:
    """The decoded pixels, upright and in a web mode, as a new image with no metadata.

    The decoded image (and its decoder's buffers) is closed as soon as its one copy is
    made; the rotation is done in place. Only the first frame of an animation is kept.
    """
    try:
        image.load()
        if image.mode in WEB_MODES:
            fresh = image.copy()
        else:
            fresh = image.convert("RGBA" if image.has_transparency_data else "RGB")
    except (SyntaxError, ValueError, EOFError):
        raise Refused(DAMAGED) from None
    except OSError as exc:  # decoders report running out of memory as an OSError
        raise Refused(NO_MEMORY if "memory" in str(exc) else DAMAGED) from None
    finally:
        image.close()
    ImageOps.exif_transpose(fresh, in_place=True)  # the orientation the camera recorded
    fresh.info = {}  # EXIF, GPS, ICC, XMP, text chunks, comments: nothing is written back
    return fresh


def encode(image: Image.Image, fmt: str) -> bytes:
    """The image in the given format, with our own save options."""
    out = io.BytesIO()
    image.save(out, fmt, **SAVE_OPTIONS[fmt])
    return out.getvalue()


def _emit(out, record: dict, data: bytes = b"") -> None:
    out.write(json.dumps({**record, "size": len(data)}).encode() + b"\n" + data)
    out.flush()


def process(data: bytes, max_pixels: int, widths, out) -> None:
    """Decode, re-encode and resize one upload, writing each copy as soon as it is made."""
    image = open_checked(data, max_pixels)
    fmt = "JPEG" if image.format == "MPO" else image.format
    mime, ext = FORMATS[fmt]
    image = plain(image)
    full_width, full_height = image.size
    try:
        header = {"mime": mime, "ext": ext, "width": full_width, "height": full_height}
        _emit(out, header, encode(image, fmt))
        if image.mode == "RGBA" and min(widths) < full_width:
            # Premultiplied once here: Pillow's resize of RGBA converts to and from RGBa
            # every time, two more copies beside the image.
            image = image.convert("RGBa")
        for width in sorted(widths, reverse=True):
            if width >= full_width:
                continue
            height = max(1, round(full_height * width / full_width))
            # One axis at a time, each result replacing the image before it: Pillow's
            # two-pass resize would hold a full-height buffer beside both copies.
            image = image.resize((image.width, height), Image.LANCZOS)
            image = image.resize((width, height), Image.LANCZOS)
            small = image.convert("RGBA") if image.mode == "RGBa" else image
            _emit(out, {"width": width, "height": height}, encode(small, fmt))
    except (OSError, ValueError) as exc:  # odd modes or broken metadata in a decodable file
        raise Refused(NO_MEMORY if "memory" in str(exc) else UNPROCESSABLE) from None


def _limit(max_pixels: int, seconds: int) -> None:
    size = memory_limit(max_pixels)
    resource.setrlimit(resource.RLIMIT_DATA, (size, size))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))


def main() -> None:
    """Entry point of the child process: options as JSON in argv[1], the upload on stdin."""
    options = json.loads(sys.argv[1])
    _limit(options["max_pixels"], options["seconds"])
    # Pillow's own process-wide guard is replaced by the checks above, made per format
    # and before anything is allocated for the pixels.
    Image.MAX_IMAGE_PIXELS = None
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
    out = sys.stdout.buffer
    try:
        process(sys.stdin.buffer.read(), options["max_pixels"], options["widths"], out)
    except Refused as exc:
        _emit(out, {"error": str(exc)})
    except MemoryError:
        _emit(out, {"error": NO_MEMORY})


if __name__ == "__main__":
    main()
