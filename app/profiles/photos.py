"""Profile photos: check an upload, make the sizes, store them under PHOTO_DIR, find them again.

An upload is refused (PhotoRefused, with a message for the member) unless it is a JPEG, PNG, WebP
or GIF by its first bytes (not by its name or the browser's content type), holds no markup or
script (a "polyglot" such as a GIF that is also HTML), decodes completely (a truncated file is
refused, not padded), is not a decompression bomb (more than MAX_PIXELS pixels, or a side longer
than MAX_SIDE), and is within PHOTO_MAX_BYTES.

What is stored is never the upload itself: the first frame is decoded, turned upright by its EXIF
orientation, cropped to a square around the centre, scaled to each of SIZES and encoded afresh as
a JPEG from the bare pixels, so no metadata (EXIF with GPS, comments, ICC, XMP) and no trailing
bytes survive. The files are named by a random key (Member.photo_key) and the size, in a folder
outside the code tree (PHOTO_DIR; "" = <instance>/photos).

`process_photo` is pure (bytes in, bytes out: no Flask, no database); the storage functions read
PHOTO_DIR from the app's config.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

# Size name -> the side of the square in pixels (the URLs name the size: /members/<id>/photo/small).
SIZES: dict[str, int] = {"small": 96, "medium": 320, "large": 800}
MAX_PIXELS = 40_000_000  # 40 megapixels: a phone photo is 12-50; a bomb is far more
MAX_SIDE = 12_000
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"
SUFFIX = ".jpg"

# The formats we accept, by their signature (the first bytes), and Pillow's name for each.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"WEBP", 8, "WEBP"),  # RIFF....WEBP
)
# Markup or code inside an image file: an image that is also a web page or a script is refused,
# though what we store would be clean anyway (it is re-encoded from the pixels).
_MARKUP = re.compile(rb"<\s*(?:\?php|\?=|script|html|svg|body|iframe|object|embed|!doctype)|<%",
                     re.IGNORECASE)
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class PhotoRefused(ValueError):
    """The upload is not a photo we store; `message` says why, for the member."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    sizes: dict[str, bytes]  # size name -> the JPEG
    width: int  # the original's size, upright
    height: int


def sniff_format(data: bytes) -> str | None:
    """The format the file's first bytes declare (JPEG, PNG, GIF, WEBP), or None."""
    for signature, offset, name in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            if name == "WEBP" and not data.startswith(b"RIFF"):
                continue
            return name
    return None


def process_photo(data: bytes, *, max_bytes: int) -> ProcessedPhoto:
    """Check an uploaded file and make the stored sizes; PhotoRefused with the reason otherwise."""
    if not data:
        raise PhotoRefused(_l("The file is empty. Please choose a photo."))
    if len(data) > max_bytes:
        raise PhotoRefused(_l("The photo is larger than %(max)s MB. Please choose a smaller one.",
                              max=_megabytes(max_bytes)))
    declared = sniff_format(data)
    if declared is None:
        raise PhotoRefused(_l("This file is not a photo we can use. Please upload a JPEG, PNG, WebP "
                              "or GIF image."))
    if _MARKUP.search(data):
        raise PhotoRefused(_l("This file holds more than a photo (web page or program code), so it "
                              "was not saved. Please upload a plain JPEG, PNG, WebP or GIF image."))
    image = _decode(data, declared)
    upright = _flatten(ImageOps.exif_transpose(image))
    return ProcessedPhoto(sizes={name: _encode(_square(upright, side)) for name, side in SIZES.items()},
                          width=upright.width, height=upright.height)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}"


def _decode(data: bytes, declared: str) -> Image.Image:
    """The first frame, fully decoded; refuses bombs, broken and mislabelled files."""
    unreadable = PhotoRefused(_l("The photo could not be read: the file is damaged or incomplete. "
                                 "Please try another file."))
    too_big = PhotoRefused(_l("The photo is too large (at most %(pixels)s megapixels). Please "
                              "choose a smaller one.", pixels=MAX_PIXELS // 1_000_000))
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises at twice that; we refuse both,
        # and check our own (lower) limit before a single pixel is decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[declared])
            width, height = image.size
            if width < 1 or height < 1:
                raise unreadable
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise too_big
            image.seek(0)  # the first frame of an animation
            image.load()
        except PhotoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise too_big from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                MemoryError, IndexError, TypeError, KeyError, ZeroDivisionError) as error:
            # Pillow's decoders signal a broken file with any of these.
            raise unreadable from error
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency becomes white (a JPEG has none)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _square(image: Image.Image, side: int) -> Image.Image:
    """A centred square crop, scaled down to `side` (never up: a small photo stays small)."""
    edge = min(image.width, image.height, side)
    return ImageOps.fit(image, (edge, edge), method=Image.Resampling.LANCZOS)


def _encode(image: Image.Image) -> bytes:
    # A new image from the bare pixels: nothing of the upload's metadata can come along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


# --- storage -------------------------------------------------------------------------------------

def photo_dir() -> Path:
    """Where the photos are kept: PHOTO_DIR, or <instance>/photos when that is empty."""
    configured = current_app.config.get("PHOTO_DIR") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def new_key() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


def photo_path(key: str, size: str) -> Path:
    """The file of one size of a stored photo (ValueError for a malformed key or unknown size)."""
    if not _KEY.match(key or "") or size not in SIZES:
        raise ValueError("bad photo key or size")
    return photo_dir() / f"{key}-{size}{SUFFIX}"


def store_photo(photo: ProcessedPhoto) -> str:
    """Write every size under a new random key; return the key."""
    folder = photo_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = new_key()
    written: list[Path] = []
    try:
        for size, data in photo.sizes.items():
            path = photo_path(key, size)
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(data)
            os.replace(partial, path)
            written.append(path)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return key


def delete_photo_files(key: str | None) -> None:
    """Remove every size of a stored photo (nothing if key is None or already gone)."""
    if not key:
        return
    for size in SIZES:
        try:
            photo_path(key, size).unlink(missing_ok=True)
        except (ValueError, OSError):
            current_app.logger.warning("could not remove photo file %s-%s", key, size)
