"""Hostile uploads through the editor's media library and the Admin API: pixel bombs, empty
and broken files, polyglots, SVG with script, path-like names, and a photo carrying GPS
data and a script in its comment. Each is refused with a clear message or stored cleaned;
what is served has our own type, nosniff and a locked-down CSP."""

import html
import io
import os
import re
import struct
import zlib
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import create_token
from cms.core.db import db
from cms.media.models import Media, MediaVariant
from tests.helpers.images import GPS_IFD, image_bytes, jpeg_with_gps

SCRIPT = b"<script>alert(1)</script>"
NOT_AN_IMAGE = "Upload a JPEG, PNG or WebP image."
DAMAGED = "The image file is damaged or incomplete."
STORED_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*\.(jpg|png|webp)")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def huge_png(side: int = 20000) -> bytes:
    """A 1-bit 20000x20000 PNG (400 megapixels) written row by row: tiny on disk."""
    row, packer = b"\0" + bytes((side + 7) // 8), zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def png_html_polyglot() -> bytes:
    """A real PNG with a script in a text chunk and an HTML page after its end."""
    png = image_bytes("PNG", size=(64, 48))
    end = png.rindex(b"IEND") - 4
    text = _chunk(b"tEXt", b"Comment\0" + SCRIPT)
    return png[:end] + text + png[end:] + b"<html><body>" + SCRIPT + b"</body></html>"


def jpeg_with_gps_and_script() -> bytes:
    """A camera JPEG with GPS EXIF and a <script> in its COM segment."""
    photo = Image.open(io.BytesIO(jpeg_with_gps((1200, 800))))
    out = io.BytesIO()
    photo.save(out, "JPEG", exif=photo.info["exif"], comment=SCRIPT)
    data = out.getvalue()
    assert b"\xff\xfe" + struct.pack(">H", len(SCRIPT) + 2) + SCRIPT in data  # a COM segment
    return data


GIF = image_bytes("GIF", size=(1, 1))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
REFUSED = {
    "zero bytes": (b"", "x.png", "Choose an image file to upload."),
    "truncated JPEG": (jpeg_with_gps()[:2500], "photo.jpg", DAMAGED),
    "HTML/GIF polyglot": (b"GIF89a/*" + SCRIPT + b"*/", "x.gif", NOT_AN_IMAGE),
    "real GIF + HTML": (GIF + b"<html>" + SCRIPT, "x.html", NOT_AN_IMAGE),
    "SVG with script": (SVG, "x.svg", NOT_AN_IMAGE),
    "SVG named .png": (SVG, "x.png", NOT_AN_IMAGE),
    "PHP named .jpg": (b"<?php system($_GET['c']); ?>", "x.jpg", NOT_AN_IMAGE),
}
HOSTILE_NAMES = [
    "../../x.php", "..\\..\\x.php", "/etc/passwd", "x.php%00.png", "x.php\0.png", ".htaccess",
    " ", "....//....//x.png", "C:\\Windows\\x.png", "<script>.png", "\u202egnp.php",
]  # fmt: skip


@pytest.fixture(params=["editor", "api"])
def upload(request, app, client, auth):
    """send(data, name) -> (media id, None) or (None, the message); never a 5xx."""
    auth.login("editor@example.org")  # served() too: an image no content shows is the editor's
    if request.param == "api":
        with app.app_context():
            db.connect(reuse_if_open=True)
            admin = User.get(User.email == "admin@example.org")
            _, token = create_token("uploads", ["media:write"], user=admin, actor=SYSTEM)
    headers = {} if request.param == "editor" else {"Authorization": f"Bearer {token}"}
    url = "/admin/media" if request.param == "editor" else "/api/v1/admin/media"

    def send(data: bytes, name: str, alt: str = "A test image"):
        response = client.post(
            url, data={"file": (io.BytesIO(data), name), "alt": alt}, headers=headers,
            content_type="multipart/form-data",
        )  # fmt: skip
        if response.status_code in (201, 302):
            if request.param == "api":
                return response.json["id"], None
            return int(re.search(r"/admin/media/(\d+)$", response.headers["Location"])[1]), None
        if request.param == "api":
            assert response.status_code in (413, 422), response.text
            problem = response.json
            errors = problem.get("errors") or [problem]
            return None, errors[0]["detail"]
        assert response.status_code == 200, response.status_code
        error = re.search(r'<p class="error" id="file-error">([^<]*)</p>', response.text)
        assert error, "the form shows no message next to the file field"
        return None, html.unescape(error[1])

    send.path = "editor" if request.param == "editor" else "Admin API"
    return send


def served(client, media_id: int) -> list[bytes]:
    """Every copy of the image the site serves, checked for our type and headers."""
    with client.application.app_context():
        item = Media.get_by_id(media_id)
        widths = [v.width for v in MediaVariant.select().where(MediaVariant.media == media_id)]
    bodies = []
    for url in [
        f"/media/{media_id}/{item.filename}",
        *(f"/media/{media_id}/w/{w}" for w in widths),
    ]:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == item.mime, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        bodies.append(response.data)
    return bodies


def _media_count(app) -> int:
    with app.app_context():
        return Media.select().count()


def refuses_bad_files(app, upload) -> list[str]:
    for case, (data, name, message) in REFUSED.items():
        assert upload(data, name) == (None, message), case
    assert _media_count(app) == 0
    return list(REFUSED)


def refuses_the_pixel_bomb_before_decoding(app, upload, monkeypatch) -> list[str]:
    bomb = huge_png()
    assert len(bomb) < 200_000  # 400 megapixels in a small file
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's backstop off: ours must act
    assert Image.open(io.BytesIO(bomb)).size == (20000, 20000)
    media_id, message = upload(bomb, "bomb.png")
    # Refused from the header; that nothing was decoded is measured in the decoding
    # process itself (tests/test_upload_memory.py: its peak memory stays tiny).
    assert media_id is None and "too many pixels" in message
    assert _media_count(app) == 0
    monkeypatch.undo()
    return [f"20000x20000 PNG ({len(bomb):,} bytes)"]


def cleans_the_png_html_polyglot(client, upload) -> list[str]:
    media_id, message = upload(png_html_polyglot(), "page.html")
    assert message is None
    with client.application.app_context():
        assert Media.get_by_id(media_id).filename == "page.png"
    for body in served(client, media_id):
        assert b"<script" not in body and b"<html" not in body and b"tEXt" not in body
        assert Image.open(io.BytesIO(body)).format == "PNG"
    return ["PNG/HTML polyglot"]


def cleans_gps_exif_and_script_comment(client, upload) -> list[str]:
    media_id, message = upload(jpeg_with_gps_and_script(), "holiday.jpg")
    assert message is None
    bodies = served(client, media_id)
    assert len(bodies) == 3  # the original and two smaller copies (480, 960)
    for body in bodies:
        image = Image.open(io.BytesIO(body))
        assert image.format == "JPEG" and not image.getexif().get_ifd(GPS_IFD)
        assert "comment" not in image.info and "exif" not in image.info
        assert b"<script" not in body and b"Exif" not in body and b"\xff\xfe" not in body
    return ["JPEG with GPS EXIF and <script> comment"]


def never_uses_names_as_paths(app, client, upload, instance: Path) -> list[str]:
    for name in HOSTILE_NAMES:
        before = set(instance.rglob("*"))
        media_id, message = upload(image_bytes("PNG", size=(40, 30)), name)
        assert message is None, name
        with app.app_context():
            stored = Media.get_by_id(media_id).filename
        assert STORED_NAME.fullmatch(stored) and ".." not in stored, (name, stored)
        # Images live in the database: the upload wrote no file, least of all x.php.
        after = {p for p in instance.rglob("*") if not p.name.startswith("cms.sqlite")}
        assert after <= before, name
        assert not os.path.exists("x.php") and not (instance.parent / "x.php").exists()
        served(client, media_id)
    return [f"{len(HOSTILE_NAMES)} path-like names"]


def test_hostile_uploads_are_refused_or_cleaned(app, client, upload, tmp_path, monkeypatch, report):
    refused = refuses_bad_files(app, upload)
    refused += refuses_the_pixel_bomb_before_decoding(app, upload, monkeypatch)
    cleaned = cleans_the_png_html_polyglot(client, upload)
    cleaned += cleans_gps_exif_and_script_comment(client, upload)
    cleaned += never_uses_names_as_paths(app, client, upload, tmp_path)
    report(
        f"hostile uploads through the {upload.path}",
        f"refused with a clear message: {', '.join(refused)}; stored cleaned and served with "
        f"our type, nosniff and CSP \"default-src 'none'; sandbox\": {', '.join(cleaned)}",
    )
