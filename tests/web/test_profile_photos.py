"""Profile photos: upload with good and hostile files, the stored sizes, and serving by the rule."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.extensions import db
from app.models import Member
from app.profiles import photos
from tests.factories import build_world, client_for, create_member

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def photo_dir(app, tmp_path):
    folder = tmp_path / "photos"
    app.config["PHOTO_DIR"] = str(folder)
    return folder


def image_bytes(fmt: str = "JPEG", size=(400, 300), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") and save.pop("alpha", False) else "RGB"
    Image.new(mode, size, color if mode == "RGB" else (*color, 128)).save(out, format=fmt, **save)
    return out.getvalue()


def split_jpeg(orientation: int | None = None, *, gps: bool = False, comment: bytes = b"") -> bytes:
    """200x100: the top half red, the bottom half blue; with EXIF orientation and GPS if asked."""
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (0, 50, 200, 100))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (55.0, 40.0, 30.0), 3: "E", 4: (12.0, 34.0, 56.0)}
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=comment or b"taken at home", quality=95)
    return out.getvalue()


def png_with_size(width: int, height: int) -> bytes:
    """A tiny PNG file that claims to be width x height (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def upload(client, data: bytes, filename: str = "me.jpg", content_type: str = "image/jpeg"):
    return client.post("/profile/photo", data={"photo": (io.BytesIO(data), filename, content_type)},
                       content_type="multipart/form-data")


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- the pure core -------------------------------------------------------------------------------

def test_sizes_are_square_jpegs_without_metadata(app):
    result = photos.process_photo(split_jpeg(gps=True, comment=b"Vestergade 12"), max_bytes=10**7)
    assert set(result.sizes) == {"small", "medium", "large"}
    for name, data in result.sizes.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        side = min(photos.SIZES[name], 100)  # never scaled up
        assert image.size == (side, side)
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info and "icc_profile" not in image.info
        assert b"SecretCam" not in data and b"Vestergade" not in data and b"Exif" not in data


def test_exif_orientation_is_applied(app):
    plain = Image.open(io.BytesIO(photos.process_photo(split_jpeg(), max_bytes=10**7).sizes["small"]))
    # Unrotated: the centre square's top is red, its bottom blue.
    assert plain.getpixel((10, 10))[0] > 200 and plain.getpixel((10, 90))[2] > 200
    turned = photos.process_photo(split_jpeg(orientation=6), max_bytes=10**7)
    assert (turned.width, turned.height) == (100, 200)
    image = Image.open(io.BytesIO(turned.sizes["small"]))
    # Orientation 6 (turn 90 degrees clockwise): the red top becomes the right side.
    assert image.getpixel((10, 10))[2] > 200 and image.getpixel((90, 10))[0] > 200


@pytest.mark.parametrize("fmt, extra", [("PNG", {"alpha": True}), ("WEBP", {}), ("GIF", {}),
                                        ("JPEG", {})])
def test_accepted_formats(app, fmt, extra):
    result = photos.process_photo(image_bytes(fmt, **extra), max_bytes=10**7)
    assert Image.open(io.BytesIO(result.sizes["large"])).size == (300, 300)


def test_an_animated_gif_gives_its_first_frame(app):
    frames = [Image.new("RGB", (120, 120), color) for color in ((0, 200, 0), (200, 0, 0), (0, 0, 200))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = Image.open(io.BytesIO(photos.process_photo(out.getvalue(), max_bytes=10**7).sizes["small"]))
    red, green, blue = image.getpixel((50, 50))
    assert green > 150 and red < 60 and blue < 60


GIF = image_bytes("GIF")
JPEG = image_bytes("JPEG")
HOSTILE = {
    "empty": (b"", "empty"),
    "text": (b"just some words, not a picture\n" * 10, "not a photo"),
    "html renamed .jpg": (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not a photo"),
    "svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "not a photo"),
    "php": (b"<?php system($_GET['c']); ?>", "not a photo"),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "not a photo"),
    "gif + html polyglot": (GIF + b"<script>alert(document.cookie)</script>", "more than a photo"),
    "jpeg with php in a comment": (image_bytes("JPEG", comment=b"<?php echo 1; ?>"), "more than a photo"),
    "truncated jpeg": (JPEG[: len(JPEG) // 2], "damaged"),
    "jpeg header then noise": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "damaged"),
    "png claiming 30000x30000": (png_with_size(30_000, 30_000), "too large"),
    "png claiming 20000x1": (png_with_size(20_000, 1), "too large"),
    "png with zero width": (png_with_size(0, 10), "damaged"),
    "riff that is not webp": (b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 64, "not a photo"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused(app, name):
    data, reason = HOSTILE[name]
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.process_photo(data, max_bytes=10**7)
    assert reason in str(refused.value.message)


def test_a_file_over_the_limit_is_refused(app):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.process_photo(JPEG, max_bytes=len(JPEG) - 1)
    assert "larger than" in str(refused.value.message)


# --- upload through the page ---------------------------------------------------------------------

def test_upload_replace_and_remove(app, client, login, photo_dir):
    member = login(create_member(name="Søren Ærø"))
    response = upload(client, split_jpeg(gps=True))
    assert response.status_code == 303 and response.headers["Location"].endswith("/profile#photo")
    first = db.session.get(Member, member.id).photo_key
    assert first and stored_files(photo_dir) == sorted(f"{first}-{s}.jpg" for s in photos.SIZES)
    assert "Your photo was saved." in client.get("/profile").get_data(as_text=True)

    upload(client, image_bytes("PNG"), "me.png", "image/png")
    second = db.session.get(Member, member.id).photo_key
    assert second != first
    assert stored_files(photo_dir) == sorted(f"{second}-{s}.jpg" for s in photos.SIZES)  # old ones gone

    response = client.post("/profile/photo/remove", data={})
    assert response.status_code == 303
    assert db.session.get(Member, member.id).photo_key is None
    assert stored_files(photo_dir) == []


@pytest.mark.parametrize("name", ["empty", "html renamed .jpg", "gif + html polyglot", "truncated jpeg",
                                  "png claiming 30000x30000"])
def test_upload_refuses_hostile_files_with_a_message(app, client, login, photo_dir, name):
    member = login(create_member())
    data, reason = HOSTILE[name]
    response = upload(client, data)
    assert response.status_code == 303
    page = client.get("/profile").get_data(as_text=True)
    assert reason in page
    assert db.session.get(Member, member.id).photo_key is None
    assert stored_files(photo_dir) == []


def test_upload_too_large_for_the_request(app, client, login, photo_dir):
    app.config["PHOTO_MAX_BYTES"] = 20_000
    login(create_member())
    response = upload(client, b"\xff\xd8\xff" + b"\x00" * 200_000)  # beyond the limit + envelope
    assert response.status_code == 303
    assert "larger than 0.02 MB" in client.get("/profile").get_data(as_text=True)
    response = upload(client, b"\xff\xd8\xff" + b"\x00" * 30_000)  # within the envelope, over the limit
    assert "larger than 0.02 MB" in client.get("/profile").get_data(as_text=True)
    assert stored_files(photo_dir) == []


def test_upload_without_csrf_token_is_refused(app, client, login, photo_dir):
    app.config["WTF_CSRF_ENABLED"] = True
    member = login(create_member())
    response = upload(client, JPEG)
    assert response.status_code == 400
    assert db.session.get(Member, member.id).photo_key is None
    assert stored_files(photo_dir) == []


def test_upload_needs_login(app, client, photo_dir):
    response = upload(client, JPEG)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stored_files(photo_dir) == []


# --- serving by the rule -------------------------------------------------------------------------

# (profile level, photo level) -> who gets the photo: anonymous, other, member, organizer, admin, outsider
SERVE_MATRIX = [
    (("members", "members"), (404, 404, 200, 200, 200, 404)),
    (("members", "organizers"), (404, 404, 404, 200, 200, 404)),
    (("public", "members"), (404, 404, 200, 200, 200, 404)),
    (("public", "public"), (200, 200, 200, 200, 200, 200)),
    (("members", "public"), (404, 404, 200, 200, 200, 404)),  # not listed publicly: members only
]
VIEWERS = ("anonymous", "other", "member", "organizer", "admin", "outsider")


@pytest.mark.parametrize("levels, expected", SERVE_MATRIX, ids=[f"{p}-{q}" for (p, q), _ in SERVE_MATRIX])
def test_photo_is_served_only_to_who_may_see_it(app, login, photo_dir, levels, expected):
    world = build_world()
    subject = create_member(name="Pia Photo", groups=[world.a])
    subject.photo_key = photos.store_photo(photos.process_photo(JPEG, max_bytes=10**7))
    subject.profile_visibility, subject.photo_visibility = levels
    db.session.commit()
    got = []
    for role in VIEWERS:
        client = client_for(app, login, world, role) if role != "outsider" else app.test_client()
        if role == "outsider":
            login(world.outsider, test_client=client)
        got.append(client.get(f"/members/{subject.id}/photo/medium").status_code)
    assert tuple(got) == expected


def test_photo_headers(app, client, login, photo_dir):
    world = build_world()
    subject = create_member(groups=[world.a])
    subject.photo_key = photos.store_photo(photos.process_photo(JPEG, max_bytes=10**7))
    db.session.commit()
    login(world.member)
    for size, side in photos.SIZES.items():
        response = client.get(f"/members/{subject.id}/photo/{size}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "private" in response.headers["Cache-Control"]
        assert "public" not in response.headers["Cache-Control"]
        assert Image.open(io.BytesIO(response.data)).size == (min(side, 300), min(side, 300))
        again = client.get(f"/members/{subject.id}/photo/{size}",
                           headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    assert client.get(f"/members/{subject.id}/photo/huge").status_code == 404
    assert client.get(f"/members/{subject.id}/photo/..%2f..%2fetc").status_code == 404
    assert client.get(f"/members/{world.member.id}/photo/small").status_code == 404  # has no photo


def test_photos_are_kept_outside_the_code_tree_by_default(app):
    app.config["PHOTO_DIR"] = ""
    folder = photos.photo_dir()
    assert folder == __import__("pathlib").Path(app.instance_path) / "photos"
    assert not str(folder.resolve()).startswith(str((__import__("pathlib").Path(app.root_path)).resolve()))
