"""Image uploads: detected from content, re-encoded without metadata, variants, library."""

import io
import re

import pytest
from PIL import Image, PngImagePlugin

from cms.accounts.actors import SYSTEM
from cms.content.service import save_post
from cms.core.validation import ConflictError, ValidationError
from cms.media.models import Media, MediaVariant
from cms.media.service import delete_media, html_snippet, media_usage, process_upload
from cms.site.models import save_settings
from tests.helpers.images import image_bytes, jpeg_with_gps


def has_no_metadata(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    return (
        not image.getexif()
        and not {"exif", "icc_profile", "xmp", "Author", "GPS"} & set(image.info)
        and b"Exif" not in data
        and b"Example Camera" not in data
    )


def test_jpeg_gps_exif_is_removed_and_variants_are_made(ctx):
    media = process_upload(jpeg_with_gps(), "IMG_0001.JPG", "A red wall", actor=SYSTEM)
    assert (media.mime, media.filename, media.width, media.height) == (
        "image/jpeg", "img_0001.jpg", 2000, 1000,
    )  # fmt: skip
    assert has_no_metadata(bytes(media.data))
    widths = [v.width for v in MediaVariant.select().where(MediaVariant.media == media)]
    assert sorted(widths) == [480, 960, 1600]
    for variant in MediaVariant.select().where(MediaVariant.media == media):
        assert Image.open(io.BytesIO(bytes(variant.data))).width == variant.width
        assert has_no_metadata(bytes(variant.data))
    snippet = html_snippet(media)
    assert "/media/1/w/480 480w" in snippet and f"/media/{media.id}/img_0001.jpg 2000w" in snippet


def test_orientation_is_applied_before_exif_is_dropped(ctx):
    media = process_upload(
        jpeg_with_gps((200, 100), orientation=6), "turned.jpg", "Turned", actor=SYSTEM
    )
    assert (media.width, media.height) == (100, 200)


def test_png_text_chunks_and_webp_exif_are_removed(ctx):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jordan Avery, 12 Maple Street")
    png = process_upload(image_bytes("PNG", pnginfo=info), "a.png", "Green", actor=SYSTEM)
    assert png.mime == "image/png" and has_no_metadata(bytes(png.data))
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co"
    webp = process_upload(image_bytes("WEBP", exif=exif), "b.webp", "Green", actor=SYSTEM)
    assert webp.mime == "image/webp" and has_no_metadata(bytes(webp.data))


def test_type_comes_from_the_content_not_the_name(ctx):
    media = process_upload(image_bytes("PNG"), "holiday.jpg", "Mislabelled", actor=SYSTEM)
    assert media.mime == "image/png" and media.filename == "holiday.png"
    for data, name in (
        (image_bytes("GIF"), "x.png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.png"),
        (b"%PDF-1.4 not an image", "x.jpg"),
    ):
        with pytest.raises(ValidationError) as err:
            process_upload(data, name, "Alt", actor=SYSTEM)
        assert err.value.errors["file"] == "Upload a JPEG, PNG or WebP image."


def test_broken_file_gets_a_clear_error(ctx):
    truncated = jpeg_with_gps()[:3000]
    with pytest.raises(ValidationError) as err:
        process_upload(truncated, "broken.jpg", "Broken", actor=SYSTEM)
    assert "damaged" in err.value.errors["file"]
    assert Media.select().count() == 0


def test_decompression_bomb_is_refused_before_decoding(ctx):
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # 144 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ValidationError) as err:
        process_upload(out.getvalue(), "bomb.png", "Bomb", actor=SYSTEM)
    assert "too many pixels" in err.value.errors["file"]
    ctx.config["MAX_IMAGE_PIXELS"] = 50_000  # between the limit and twice the limit
    with pytest.raises(ValidationError) as err:
        process_upload(image_bytes("PNG", size=(300, 200)), "wide.png", "Wide", actor=SYSTEM)
    assert "too many pixels" in err.value.errors["file"]


def test_size_limit_and_required_alt_text(ctx):
    ctx.config["MAX_UPLOAD_BYTES"] = 1000
    with pytest.raises(ValidationError) as err:
        process_upload(jpeg_with_gps(), "big.jpg", "Big", actor=SYSTEM)
    assert "too large" in err.value.errors["file"]
    ctx.config["MAX_UPLOAD_BYTES"] = 8 * 2**20
    for alt in ("", "   ", "x" * 301):
        with pytest.raises(ValidationError) as err:
            process_upload(image_bytes("PNG"), "a.png", alt, actor=SYSTEM)
        assert "alt" in err.value.errors
    assert Media.select().count() == 0


def test_delete_is_refused_while_the_image_is_used(ctx):
    media = process_upload(image_bytes("PNG"), "a.png", "Green", actor=SYSTEM)
    other = process_upload(image_bytes("PNG"), "b.png", "Also green", actor=SYSTEM)
    post = save_post(
        {"title": "Uses it", "body": f"![Green](/media/{media.id}/a.png)"}, actor=SYSTEM
    )
    save_post({"title": "Not it", "body": f"![x](/media/{media.id}0/a.png)"}, actor=SYSTEM)
    assert media_usage(media) == ["post “Uses it”"]
    with pytest.raises(ConflictError):
        delete_media(media, actor=SYSTEM)
    save_post({"body": "No image now."}, post, actor=SYSTEM)
    save_post({"featured_image": media.id}, post, actor=SYSTEM)
    assert media_usage(media) == ["featured image of “Uses it”"]
    save_post({"featured_image": None}, post, actor=SYSTEM)
    save_settings({"logo_media_id": media.id})
    assert media_usage(media) == ["site logo"]
    save_settings({"logo_media_id": None})
    delete_media(media, actor=SYSTEM)
    assert Media.get_or_none(Media.id == media.id) is None
    assert not MediaVariant.select().where(MediaVariant.media == media.id).exists()
    assert Media.get_by_id(other.id)


@pytest.fixture
def signed_in(auth):
    auth.login("editor@example.org")


def upload(client, data: bytes, name: str, alt: str = "A red wall"):
    return client.post(
        "/admin/media",
        data={"file": (io.BytesIO(data), name), "alt": alt},
        content_type="multipart/form-data",
    )


def test_library_upload_serve_edit_and_delete(client, signed_in, app):
    response = upload(client, jpeg_with_gps(), "wall.jpg")
    assert response.status_code == 302
    media_id = int(re.search(r"/admin/media/(\d+)", response.headers["Location"]).group(1))
    served = client.get(f"/media/{media_id}/wall.jpg")
    assert served.mimetype == "image/jpeg" and has_no_metadata(served.data)
    assert "immutable" in served.headers["Cache-Control"]
    variant = client.get(f"/media/{media_id}/w/480")
    assert variant.status_code == 200 and Image.open(io.BytesIO(variant.data)).width == 480
    assert client.get(f"/media/{media_id}/w/481").status_code == 404
    detail = client.get(f"/admin/media/{media_id}").get_data(as_text=True)
    assert f"![A red wall](/media/{media_id}/wall.jpg)" in detail and "srcset=" in detail
    library = client.get("/admin/media").get_data(as_text=True)
    assert f"/media/{media_id}/w/480" in library
    client.post(f"/admin/media/{media_id}", data={"alt": "A brick wall"})
    with app.app_context():
        assert Media.get_by_id(media_id).alt == "A brick wall"
    assert "cannot be deleted" not in client.get(f"/admin/media/{media_id}/delete").text
    assert client.post(f"/admin/media/{media_id}/delete").status_code == 302
    assert client.get(f"/media/{media_id}").status_code == 404


def test_library_shows_errors_next_to_the_fields(client, signed_in, app):
    broken = upload(client, b"GIF89a not really", "x.png")
    assert broken.status_code == 200
    assert '<p class="error" id="file-error">Upload a JPEG, PNG or WebP image.</p>' in broken.text
    no_alt = upload(client, image_bytes("PNG"), "x.png", alt="")
    assert 'id="alt-error">Describe the image' in no_alt.text
    with app.app_context():
        assert Media.select().count() == 0


def test_library_refuses_to_delete_an_image_in_use(client, signed_in, app):
    response = upload(client, image_bytes("PNG"), "used.png")
    media_id = int(re.search(r"/admin/media/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        save_post({"title": "Has image", "body": f"![x](/media/{media_id}/used.png)"}, actor=SYSTEM)
    page = client.get(f"/admin/media/{media_id}/delete").text
    assert "cannot be deleted" in page and "Has image" in page
    refused = client.post(f"/admin/media/{media_id}/delete", follow_redirects=True)
    assert "Still used by" in refused.text
    with app.app_context():
        assert Media.get_or_none(Media.id == media_id) is not None


def test_library_images_in_a_post_get_srcset_and_size(ctx):
    media = process_upload(jpeg_with_gps(), "wall.jpg", "A red wall", actor=SYSTEM)
    post = save_post(
        {
            "title": "Pictures",
            "body": f"![A red wall](/media/{media.id}/wall.jpg)\n\n"
            "![Gone](/media/99999/gone.jpg)\n\n"
            f'<img src="/media/{media.id}/wall.jpg" width="10" alt="sized by hand">',
        },
        actor=SYSTEM,
    )
    first, missing, by_hand = re.findall(r"<img [^>]*>", post.body_html)
    assert f"/media/{media.id}/w/480 480w" in first and f"/media/{media.id}/w/1600 1600w" in first
    assert f"/media/{media.id}/wall.jpg 2000w" in first
    assert 'width="2000"' in first and 'height="1000"' in first and "sizes=" in first
    assert "srcset" not in missing  # an unknown image is left as written
    assert "srcset" not in by_hand and by_hand.count("width=") == 1


def test_writing_form_offers_library_images_to_insert(client, signed_in, app):
    response = upload(client, image_bytes("PNG", size=(1200, 800)), "garden.png", "A garden")
    media_id = int(re.search(r"/admin/media/(\d+)", response.headers["Location"]).group(1))
    page = client.get("/admin/posts/new").text
    picker = page[page.index('class="image-picker"') :]
    assert f"![A garden](/media/{media_id}/garden.png)" in picker
    assert f'data-insert="![A garden](/media/{media_id}/garden.png)"' in picker
    assert f'src="/media/{media_id}/w/480"' in picker  # the smallest copy as thumbnail
