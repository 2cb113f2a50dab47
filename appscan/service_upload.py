"""Receiving an uploaded APK: the multipart body is parsed as it streams in and written straight to disk.

A framework's form parsing spools the whole body before the endpoint runs, so a 10 GB upload would be accepted
before any limit could apply. Here the size limit is checked on every chunk (and up front against
Content-Length), the first bytes must be a zip local-file header, and the end must hold a zip end-of-central-
directory record: an oversized, non-APK or truncated upload is refused without being scanned.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

__all__ = ["UploadRejected", "ReceivedFile", "receive_apk"]

ZIP_LOCAL_HEADER = b"PK\x03\x04"
ZIP_END_RECORD = b"PK\x05\x06"
_END_SEARCH = 65535 + 22
"""The end-of-central-directory record sits within the last 64 KiB + 22 bytes (its comment is at most 64 KiB)."""
_FORM_OVERHEAD = 64 * 1024
"""Slack for multipart headers and boundaries when comparing Content-Length with the file size limit."""


class UploadRejected(Exception):
    """The upload is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ReceivedFile:
    """The uploaded file, complete on disk."""

    filename: str
    size: int


class _FilePart:
    """Parser callbacks: finds the part named ``file`` and copies it to ``out`` within ``limit`` bytes."""

    def __init__(self, out: BinaryIO, limit: int) -> None:
        self.out, self.limit = out, limit
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False
        self.filename: str | None = None
        self.size = 0
        self.head = b""
        self.complete = False

    def on_part_begin(self) -> None:
        self.headers, self.header_field, self.header_value = {}, b"", b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.in_file = options.get(b"name") == b"file" and self.filename is None
        if self.in_file:
            self.filename = options.get(b"filename", b"upload.apk").decode("utf-8", "replace")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadRejected(413, f"upload larger than the limit of {self.limit} bytes")
        if len(self.head) < len(ZIP_LOCAL_HEADER):
            self.head += chunk[:len(ZIP_LOCAL_HEADER) - len(self.head)]
            if len(self.head) == len(ZIP_LOCAL_HEADER) and self.head != ZIP_LOCAL_HEADER:
                raise UploadRejected(422, "not an APK: the file does not start with a zip header")
        self.out.write(chunk)

    def on_part_end(self) -> None:
        if self.in_file:
            self.in_file = False
            self.complete = True


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise UploadRejected(400, "expected a multipart/form-data body with a 'file' part")
    return options[b"boundary"]


def _has_zip_end(path: Path, size: int) -> bool:
    """True when the file's tail holds a zip end-of-central-directory record (a truncated zip has none)."""
    with path.open("rb") as handle:
        handle.seek(max(0, size - _END_SEARCH))
        return ZIP_END_RECORD in handle.read()


async def _chunks(body: AsyncIterator[bytes], timeout: float | None) -> AsyncIterator[bytes]:
    """The body's chunks; ``UploadRejected`` (408) when the next one takes longer than ``timeout`` seconds, so a
    client trickling its body cannot hold a connection and a file open for as long as it likes."""
    iterator = aiter(body)
    while True:
        try:
            chunk = await asyncio.wait_for(anext(iterator), timeout)
        except StopAsyncIteration:
            return
        except asyncio.TimeoutError as exc:
            raise UploadRejected(408, f"the upload stalled: no data for {timeout:g} s") from exc
        yield chunk


async def receive_apk(body: AsyncIterator[bytes], content_type: str, content_length: int | None,
                      destination: Path, limit: int, read_timeout: float | None = None) -> ReceivedFile:
    """Stream the ``file`` part of a multipart body to ``destination``; raises ``UploadRejected``.

    ``destination`` is removed again when the upload is refused.
    """
    boundary = _boundary(content_type)
    if content_length is not None and content_length > limit + _FORM_OVERHEAD:
        raise UploadRejected(413, f"upload larger than the limit of {limit} bytes")
    try:
        with destination.open("wb") as out:
            part = _FilePart(out, limit)
            parser = MultipartParser(boundary, {name: getattr(part, name)  # type: ignore[misc]
                                                for name in dir(part) if name.startswith("on_")})
            try:
                async for chunk in _chunks(body, read_timeout):
                    parser.write(chunk)
                parser.finalize()
            except MultipartParseError as exc:
                raise UploadRejected(400, f"malformed multipart body: {exc}") from exc
        if not part.complete or part.filename is None:
            raise UploadRejected(400, "no complete 'file' part in the multipart body")
        if part.size < len(ZIP_LOCAL_HEADER) or part.head != ZIP_LOCAL_HEADER:
            raise UploadRejected(422, "not an APK: the file does not start with a zip header")
        if not _has_zip_end(destination, part.size):
            raise UploadRejected(422, "not a complete APK: the zip end record is missing (truncated upload?)")
        return ReceivedFile(Path(part.filename).name or "upload.apk", part.size)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
