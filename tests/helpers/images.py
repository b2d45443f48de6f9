"""Test images made with Pillow: plain ones, and a photo carrying GPS metadata."""

import io

from PIL import Image

GPS_IFD = 0x8825


def jpeg_with_gps(size=(2000, 1000), orientation=None) -> bytes:
    """A JPEG carrying a camera make and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co"  # Make
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (43.0, 32.0, 10.0), 3: "W", 4: (80.0, 14.0, 52.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the test image has GPS
    return data


def image_bytes(fmt: str, size=(300, 200), **options) -> bytes:
    """A plain image in the given Pillow format."""
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (10, 120, 90)).save(out, fmt, **options)
    return out.getvalue()
