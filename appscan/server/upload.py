"""Receiving an uploaded APK: the multipart body is parsed as it streams in and written straight to disk.

A framework's form parsing spools the whole body before the endpoint runs, so a 10 GB upload would be accepted
before any limit could apply. Here the size limit is checked on every chunk (and up front against
Content-Length), the first bytes must be a zip local-file header, and the end must hold a zip end-of-central-
directory record: an oversized, non-APK or truncated upload is refused without being scanned.

The app's privacy policy files may come along as ``policy`` parts (at most ``MAX_POLICIES``, each within the policy
reader's ``MAX_BYTES``, checked on every chunk too). They are kept beside the APK (``policy_dir``), each under a
name made safe for the file system, which the scan reports as the policy's source; one that the policy reader
cannot read as text, HTML, Markdown or PDF refuses the whole upload, before anything is queued.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from appscan.errors import AppscanError
from appscan.policy import MAX_BYTES as POLICY_MAX_BYTES
from appscan.policy.extract import extract
from appscan.text import printable

__all__ = ["MAX_POLICIES", "UploadRejected", "ReceivedFile", "discard_upload", "policy_dir", "receive_apk",
           "stored_policies"]

ZIP_LOCAL_HEADER = b"PK\x03\x04"
ZIP_END_RECORD = b"PK\x05\x06"
_END_SEARCH = 65535 + 22
"""The end-of-central-directory record sits within the last 64 KiB + 22 bytes (its comment is at most 64 KiB)."""
_FORM_OVERHEAD = 64 * 1024
"""Slack for multipart headers and boundaries when comparing Content-Length with the file size limit."""
MAX_POLICIES = 5
"""Policy files one upload may bring: a policy, a children's policy, an SDK list page, and some room."""
_MAX_NAME = 120
"""Characters kept of a policy's file name (its suffix kept), within every file system's limit on a name."""


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
    policies: tuple[Path, ...] = ()
    """The policy files that came with it, in the order sent (``stored_policies`` finds them again)."""


def policy_dir(apk: Path) -> Path:
    """The folder holding an upload's policy files: ``<upload>.policies/<n>/<name>``, one numbered slot per file,
    so two files of the same name both keep it."""
    return apk.with_suffix(".policies")


def stored_policies(apk: Path) -> tuple[Path, ...]:
    """The policy files stored with an upload, in the order they were sent (none when it came without)."""
    folder = policy_dir(apk)
    if not folder.is_dir():
        return ()
    slots = sorted((slot for slot in folder.iterdir() if slot.name.isdigit()), key=lambda slot: int(slot.name))
    return tuple(file for slot in slots for file in sorted(slot.iterdir()))


def discard_upload(apk: Path) -> None:
    """Remove an upload's APK and its policy files."""
    apk.unlink(missing_ok=True)
    shutil.rmtree(policy_dir(apk), ignore_errors=True)


def _safe_name(raw: str) -> str:
    """A client's file name as one name in a folder: the last path component (``/`` or ``\\``), non-printable
    characters replaced, no leading dot (never ``.`` or ``..``), at most ``_MAX_NAME`` characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c if c.isprintable() else "_" for c in name).strip().lstrip(".")
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = stem[:_MAX_NAME - len(suffix) - 1] + dot + suffix if dot and len(suffix) <= 10 else name[:_MAX_NAME]
    return name or "policy"


class _FilePart:
    """Parser callbacks: finds the part named ``file`` and copies it to ``out`` within ``limit`` bytes, and each
    part named ``policy`` to a slot of ``policies`` within ``POLICY_MAX_BYTES``."""

    def __init__(self, out: BinaryIO, limit: int, policies: Path) -> None:
        self.out, self.limit, self.policy_root = out, limit, policies
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False
        self.filename: str | None = None
        self.size = 0
        self.head = b""
        self.complete = False
        self.policies: list[Path] = []
        self.policy_out: BinaryIO | None = None
        """The policy file being received, while its part lasts."""
        self.policy_size = 0

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
        elif options.get(b"name") == b"policy" and options.get(b"filename") != b"":  # b"": a form's empty input
            self._begin_policy(_safe_name(options.get(b"filename", b"policy").decode("utf-8", "replace")))

    def _begin_policy(self, name: str) -> None:
        if len(self.policies) == MAX_POLICIES:
            raise UploadRejected(413, f"more than {MAX_POLICIES} policy files in one upload")
        slot = self.policy_root / str(len(self.policies))
        slot.mkdir(parents=True)
        self.policies.append(slot / name)
        self.policy_out, self.policy_size = (slot / name).open("wb"), 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.policy_out is not None:
            self.policy_size += end - start
            if self.policy_size > POLICY_MAX_BYTES:
                raise UploadRejected(413, f"policy {self.policies[-1].name}: larger than the limit of "
                                          f"{POLICY_MAX_BYTES} bytes")
            self.policy_out.write(data[start:end])
            return
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
        self.close_policy()

    def close_policy(self) -> None:
        """Close the policy file being received, if any (at its part's end, or when the upload is refused)."""
        if self.policy_out is not None:
            self.policy_out.close()
            self.policy_out = None


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


def _check_policy(path: Path) -> None:
    """Refuse (422, one line) a policy file the policy reader cannot read: empty, binary, an unreadable PDF."""
    data = path.read_bytes()  # within POLICY_MAX_BYTES: counted while it was received
    if not data.strip():
        raise UploadRejected(422, f"policy {path.name}: the file is empty")
    try:
        extract(data, path.name)
    except AppscanError as exc:
        raise UploadRejected(422, "policy " + printable(str(exc))) from exc


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
    """Stream the ``file`` part of a multipart body to ``destination`` and its ``policy`` parts to
    ``policy_dir(destination)``; raises ``UploadRejected``.

    ``destination`` and its policy files are removed again when the upload is refused.
    """
    boundary = _boundary(content_type)
    if content_length is not None and content_length > limit + MAX_POLICIES * POLICY_MAX_BYTES + _FORM_OVERHEAD:
        raise UploadRejected(413, f"upload larger than the limit of {limit} bytes")
    try:
        with destination.open("wb") as out:
            part = _FilePart(out, limit, policy_dir(destination))
            parser = MultipartParser(boundary, {name: getattr(part, name)  # type: ignore[misc]
                                                for name in dir(part) if name.startswith("on_")})
            try:
                async for chunk in _chunks(body, read_timeout):
                    parser.write(chunk)
                parser.finalize()
            except MultipartParseError as exc:
                raise UploadRejected(400, f"malformed multipart body: {exc}") from exc
            finally:
                part.close_policy()
        if not part.complete or part.filename is None:
            raise UploadRejected(400, "no complete 'file' part in the multipart body")
        if part.size < len(ZIP_LOCAL_HEADER) or part.head != ZIP_LOCAL_HEADER:
            raise UploadRejected(422, "not an APK: the file does not start with a zip header")
        if not _has_zip_end(destination, part.size):
            raise UploadRejected(422, "not a complete APK: the zip end record is missing (truncated upload?)")
        for policy in part.policies:
            await asyncio.to_thread(_check_policy, policy)  # a PDF's text takes a while: not on the event loop
        return ReceivedFile(Path(part.filename).name or "upload.apk", part.size, tuple(part.policies))
    except BaseException:
        discard_upload(destination)
        raise
