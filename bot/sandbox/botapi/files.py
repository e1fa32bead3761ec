"""Files sent by the bot or the users: stored with Telegram-like file ids, and the sizes of images."""

from __future__ import annotations

import itertools
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JsonDict = dict[str, Any]

# Telegram sends a photo in several sizes; the smallest one the stand-in adds fits in this many pixels.
_THUMBNAIL_SIDE = 320


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of PNG, JPEG, GIF or WebP data; None when it isn't one of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (512, 512)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        (segment_length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + segment_length
    return None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def photo_size(self) -> JsonDict:
        """As a Telegram PhotoSize."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": len(self.data),
        }

    def document(self) -> JsonDict:
        """As a Telegram Document."""
        document: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def telegram_file(self) -> JsonDict:
        """As a Telegram File (what getFile answers)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FileStore:
    """Every file of every chat, by file_id and by the path the bot downloads it from."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def at_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def store_photo(self, data: bytes, width: int, height: int) -> list[JsonDict]:
        """Store a photo in its sizes (a thumbnail first when it is large); returns the PhotoSize list."""
        dims = [(width, height)]
        longest = max(width, height)
        if longest > _THUMBNAIL_SIDE:
            scale = _THUMBNAIL_SIDE / longest
            dims.insert(0, (max(1, round(width * scale)), max(1, round(height * scale))))
        sizes: list[JsonDict] = []
        for w, h in dims:
            file_id, unique_id = self._new_ids("AgACAgQAAxk")
            path = f"photos/file_{len(self._by_id) + 1}.jpg"
            stored = StoredFile(
                file_id, unique_id, "photo", data, path, mime_type="image/jpeg", width=w, height=h
            )
            self._register(stored)
            sizes.append(stored.photo_size())
        return sizes

    def store_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> JsonDict:
        """Store a file; returns it as a Telegram Document."""
        file_id, unique_id = self._new_ids("BQACAgQAAxk")
        suffix = Path(file_name).suffix if file_name else ""
        path = f"documents/file_{len(self._by_id) + 1}{suffix}"
        stored = StoredFile(
            file_id, unique_id, "document", data, path, file_name=file_name, mime_type=mime_type
        )
        self._register(stored)
        return stored.document()

    def _new_ids(self, prefix: str) -> tuple[str, str]:
        number = next(self._counter)
        return f"{prefix}{number:04d}{secrets.token_hex(8)}", f"AQAD{number:04d}{secrets.token_hex(3)}"

    def _register(self, stored: StoredFile) -> None:
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
