"""POST /documents reads `file_path` only inside the import directory, and never reads a file
it refuses.

"Never reads" is observed, not assumed: a secret file outside the import directory is watched
with inotify (IN_OPEN | IN_ACCESS) while every traversal attempt is sent, and no event may
arrive. Each refused attempt also leaves no document behind.
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.e2e.test_wpsigner_api import (  # noqa: F401  (fixtures)
    WpClient,
    WpGateway,
    assert_document_shape,
    assert_wp_error,
    make_wp,
    put_in_import,
    wp,
)
from tests.file_uploads import padded_pdf
from tests.pdf_corpus import LETTER, make_pdf

pytestmark = pytest.mark.e2e

IN_ACCESS, IN_OPEN = 0x1, 0x20


class OpenWatch:
    """Reports whether anything opened or read the watched files (Linux inotify)."""

    def __init__(self, paths: list[Path]) -> None:
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0, "inotify is unavailable"
        for path in paths:
            assert self._libc.inotify_add_watch(self.fd, str(path).encode(), IN_OPEN | IN_ACCESS) >= 0

    def events(self) -> list[int]:
        masks: list[int] = []
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return masks
        offset = 0
        while offset < len(data):
            _, mask, _, length = struct.unpack_from("iIII", data, offset)
            masks.append(mask)
            offset += 16 + length
        return masks

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[tuple[Path, OpenWatch]]:
    secret = tmp_path / "outside" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(make_pdf([LETTER], text="Not for you"))
    watch = OpenWatch([secret])
    yield secret, watch
    watch.close()


async def document_count(db: asyncpg.Pool, org_id: str) -> int:
    return await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", org_id)


async def test_traversal_attempts_are_refused_without_reading_the_file(
    wp: WpClient, wp_gateway: WpGateway, outside: tuple[Path, OpenWatch], db: asyncpg.Pool
) -> None:
    secret, watch = outside
    root = wp_gateway.import_root
    inside = root / wp.org_id
    inside.mkdir(parents=True, exist_ok=True)
    (inside / "escape.pdf").symlink_to(secret)  # a symlink inside the root, pointing outside
    (inside / "dir-link").symlink_to(secret.parent, target_is_directory=True)
    relative_up = os.path.relpath(secret, root)  # ../../outside/secret.pdf, from the root
    attempts = [
        str(secret),  # absolute, elsewhere
        relative_up,  # relative with ..
        f"{root}/{relative_up}",  # absolute, inside the root, then up and out
        f"{wp.org_id}/../../{relative_up}",
        f"{wp.org_id}/escape.pdf",  # symlink escape
        str(inside / "escape.pdf"),
        f"{wp.org_id}/dir-link/secret.pdf",  # through a symlinked directory
        f"{wp.org_id}/%2e%2e/%2e%2e/{relative_up}",  # URL-encoded: a literal name, not a way up
        "%2F" + str(secret).lstrip("/").replace("/", "%2F"),
        str(secret) + "\u0000.pdf",  # NUL byte
        f"{root}\u0000/../{relative_up}",
        "",
        "/",
        str(root),  # the directory itself
        f"file://{secret}",
        "..%2f..%2f" + relative_up,
    ]
    for attempt in attempts:
        reply = await wp.request(
            "POST", "/documents", json={"title": "Stolen", "file_path": attempt, "original_filename": "secret.pdf"}
        )
        if attempt == "":
            assert_wp_error(reply, 400, "rest_missing_callback_param")  # blank is absent
            continue
        assert_wp_error(reply, 400, "invalid_file_path")
        assert "file_path" in reply.body["data"]["params"], attempt
    # JSON escapes decode before the check: "\u002e\u002e/" is "../".
    escaped = b'{"title": "Stolen", "file_path": "\\u002e\\u002e/\\u002e\\u002e/' + relative_up.encode() + b'"}'
    reply = await wp.request("POST", "/documents", data=escaped, headers={"Content-Type": "application/json"})
    assert_wp_error(reply, 400, "invalid_file_path")
    assert watch.events() == [], "a refused file_path was opened or read"
    assert await document_count(db, wp.org_id) == 0

    # The watch does see a read: the same kind of file inside the root is imported.
    allowed = put_in_import(wp_gateway, f"{wp.org_id}/ok.pdf", secret.read_bytes())
    watch.events()  # drain the test's own read
    second = OpenWatch([allowed])
    try:
        ok = await wp.request(
            "POST",
            "/documents",
            json={"title": "Fine", "file_path": f"{wp.org_id}/ok.pdf", "original_filename": "ok.pdf"},
        )
        assert ok.status == 201, ok.body
        assert second.events(), "the import was not observed"
    finally:
        second.close()


async def test_absolute_and_relative_paths_inside_the_root_and_symlinks_within_it(
    wp: WpClient, wp_gateway: WpGateway
) -> None:
    path = put_in_import(wp_gateway, f"{wp.org_id}/2024/01/contract.pdf", make_pdf([LETTER] * 5))
    absolute = await wp.request(
        "POST", "/documents", json={"title": "Absolute", "file_path": str(path), "original_filename": "contract.pdf"}
    )
    assert absolute.status == 201 and absolute.body["total_pages"] == "5"
    relative = await wp.request(
        "POST", "/documents", json={"title": "Relative", "file_path": f"{wp.org_id}/2024/./01/contract.pdf"}
    )
    assert relative.status == 201 and relative.body["original_filename"] == "contract.pdf"
    link = path.parent / "latest.pdf"
    link.symlink_to(path)
    linked = await wp.request(
        "POST", "/documents", json={"title": "Linked", "file_path": str(link), "original_filename": "latest.pdf"}
    )
    assert linked.status == 201, linked.body


async def test_missing_files_directories_and_devices_are_refused(wp: WpClient, wp_gateway: WpGateway) -> None:
    (wp_gateway.import_root / wp.org_id / "folder").mkdir(parents=True, exist_ok=True)
    fifo = wp_gateway.import_root / wp.org_id / "pipe.pdf"
    if not fifo.exists():
        os.mkfifo(fifo)
    for path in (f"{wp.org_id}/nothing.pdf", f"{wp.org_id}/folder", f"{wp.org_id}/pipe.pdf"):
        reply = await wp.request("POST", "/documents", json={"title": "x", "file_path": path})
        assert_wp_error(reply, 400, "invalid_file_path")
    missing = await wp.request("POST", "/documents", json={"title": "No path"})
    assert_wp_error(missing, 400, "rest_missing_callback_param")
    assert missing.body["data"]["params"] == ["file_path"]
    no_title = await wp.request("POST", "/documents", json={"file_path": "x.pdf"})
    assert_wp_error(no_title, 400, "rest_missing_callback_param")


async def test_a_file_the_core_rejects_leaves_no_document(
    wp: WpClient, wp_gateway: WpGateway, db: asyncpg.Pool
) -> None:
    put_in_import(wp_gateway, f"{wp.org_id}/fake.pdf", b"%PDF-1.7 this is not really a PDF" + b"\x00" * 200)
    reply = await wp.request(
        "POST",
        "/documents",
        json={"title": "Fake", "file_path": f"{wp.org_id}/fake.pdf", "original_filename": "fake.pdf"},
    )
    assert_wp_error(reply, 400, "invalid_file")
    assert reply.body["data"]["reason"]
    put_in_import(wp_gateway, f"{wp.org_id}/text.pdf", b"just text, no magic bytes" * 10)
    assert_wp_error(
        await wp.request("POST", "/documents", json={"title": "Text", "file_path": f"{wp.org_id}/text.pdf"}),
        400,
        "invalid_file",
    )
    put_in_import(wp_gateway, f"{wp.org_id}/empty.pdf", b"")
    assert_wp_error(
        await wp.request("POST", "/documents", json={"title": "Empty", "file_path": f"{wp.org_id}/empty.pdf"}),
        400,
        "invalid_file",
    )
    assert await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", wp.org_id) == 0
    assert (await wp.request("GET", "/documents")).headers["X-WP-Total"] == "0"


async def test_multipart_upload_as_a_convenience(wp: WpClient) -> None:
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("title", "Uploaded Contract")
    form.add_field("file", make_pdf([LETTER] * 4), filename="uploaded.pdf", content_type="application/pdf")
    reply = await wp.request("POST", "/documents", data=form)
    assert reply.status == 201, reply.body
    assert_document_shape(reply.body)
    assert reply.body["original_filename"] == "uploaded.pdf" and reply.body["total_pages"] == "4"

    # Larger than the gateway's JSON body limit (1 MB): the file part streams to disk.
    big = padded_pdf(1_500_000)
    form = aiohttp.FormData()
    form.add_field("title", "Big")
    form.add_field("original_filename", "big-contract.pdf")
    form.add_field("file", big, filename="ignored.pdf", content_type="application/pdf")
    reply = await wp.request("POST", "/documents", data=form)
    assert reply.status == 201, reply.body
    assert reply.body["original_filename"] == "big-contract.pdf"

    form = aiohttp.FormData()
    form.add_field("file", make_pdf([LETTER]), filename="untitled.pdf", content_type="application/pdf")
    assert_wp_error(await wp.request("POST", "/documents", data=form), 400, "rest_missing_callback_param")


async def test_a_file_over_the_upload_limit_is_not_read(make_wp, system, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.test_wpsigner_api import start_wp_gateway

    gateway = await start_wp_gateway(system, tmp_path, max_upload_bytes=10_000)
    try:
        wp = await make_wp(base_url=gateway.url)
        big = put_in_import(gateway, "big.pdf", make_pdf([LETTER]) + b"%" + b"x" * 20_000)
        watch = OpenWatch([big])
        try:
            reply = await wp.request("POST", "/documents", json={"title": "Big", "file_path": "big.pdf"})
            assert_wp_error(reply, 413, "file_too_large")
            assert IN_ACCESS not in [mask & IN_ACCESS for mask in watch.events()]
        finally:
            watch.close()
    finally:
        await gateway.service.runner.cleanup()


async def test_an_image_becomes_a_one_page_document(wp: WpClient, wp_gateway: WpGateway) -> None:
    from tests.file_uploads import png

    put_in_import(wp_gateway, f"{wp.org_id}/scan.png", png())
    reply = await wp.request(
        "POST",
        "/documents",
        json={"title": "Scanned", "file_path": f"{wp.org_id}/scan.png", "original_filename": "scan"},
    )
    assert reply.status == 201, reply.body
    assert reply.body["total_pages"] == "1" and reply.body["original_filename"] == "scan"
