"""S3 storage of document files: one aiobotocore client per app, and the object key layout.

Public API (used by files.py and by the lifecycle/signing code):

    STORAGE: web.AppKey[Storage]                         app[STORAGE], opened by storage_ctx(settings)
    open_storage(settings) -> async context manager     a Storage outside an app (CLI, workers, tests)

    await storage.presign_put(key, content_type, content_length | None, expires) -> PresignedPut(url, headers)
    await storage.head(key) -> ObjectInfo(size, etag) | None
    await storage.download_to(key, path, max_bytes, if_match=None) -> ObjectInfo   (streams to a file)
    async with storage.stream(key, if_match=None) as obj:  obj.size, obj.etag; async for chunk in obj.chunks()
    await storage.put_bytes(key, data, content_type) -> etag
    await storage.put_file(key, path, content_type) -> etag
    await storage.copy(source_key, key, if_match=etag) -> etag       (server-side, no bytes through us)
    await storage.delete(key)

    Errors: ObjectMissing (no such key), ObjectChanged (If-Match failed: the object was replaced),
    ObjectTooLarge (past max_bytes; nothing is kept).

    Keys (defined in file_keys.py, re-exported here):
    original_key(org_id, document_id, upload_id, filename)   documents/{org}/{doc}/original/{upload}/{safe name}
    verified_key(org_id, document_id, check_id)             documents/{org}/{doc}/verified/{check}.pdf
    signed_key(org_id, document_id, name)                   documents/{org}/{doc}/signed/{safe name}.pdf
    attachment_key(org_id, document_id, attachment_id)      documents/{org}/{doc}/attachments/{id}.pdf
    safe_filename(name, default="document.pdf") -> str

Uploads go from the client straight to S3 (presigned PUT); the API never carries file bytes.
Every upload gets its own key (an upload id in the path), so a PUT to an old presigned URL can
never replace the file a newer upload is about to verify. The PDF that gets signed is never the
client-writable upload itself: verification copies the bytes it checked (server-side, If-Match on
the ETag it hashed) or writes the converted image to a `verified/` key only the service writes, so
a presigned URL reused after verification cannot swap the document. Reads of that PDF still pass
its ETag as `if_match` as a last guard (ObjectChanged instead of serving other bytes).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from aiohttp import web
from botocore.exceptions import ClientError

from services.documents.domain.file_keys import attachment_key, original_key, safe_filename, signed_key, verified_key
from shared.settings import Settings
from shared.web import add_readiness_check

# The key layout lives in file_keys.py; these names are part of this module's API too.
__all__ = [
    "CHUNK_SIZE",
    "attachment_key",
    "STORAGE",
    "ObjectChanged",
    "ObjectInfo",
    "ObjectMissing",
    "ObjectStream",
    "ObjectTooLarge",
    "PresignedPut",
    "Storage",
    "StorageError",
    "open_storage",
    "original_key",
    "safe_filename",
    "signed_key",
    "storage_ctx",
    "verified_key",
]

log = logging.getLogger("countersign.documents.storage")

CHUNK_SIZE = 256 * 1024


class StorageError(Exception):
    pass


class ObjectMissing(StorageError):
    pass


class ObjectChanged(StorageError):
    """The object's ETag is no longer the one the caller verified."""


class ObjectTooLarge(StorageError):
    def __init__(self, size: int, max_bytes: int) -> None:
        super().__init__(f"object is larger than {max_bytes} bytes ({size})")
        self.size = size
        self.max_bytes = max_bytes


@dataclass(frozen=True, slots=True)
class PresignedPut:
    url: str
    # Headers the client must send with the PUT, exactly: they are part of the signature.
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    etag: str


@dataclass(slots=True)
class ObjectStream:
    size: int
    etag: str
    content_type: str | None
    _body: Any

    async def chunks(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        while chunk := await self._body.read(chunk_size):
            yield chunk


# --- the client ---------------------------------------------------------------------------------


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _missing(exc: ClientError) -> bool:
    return _code(exc) in ("NoSuchKey", "404", "NotFound") or _status(exc) == 404


def _changed(exc: ClientError) -> bool:
    return _code(exc) in ("PreconditionFailed", "412") or _status(exc) == 412


class Storage:
    def __init__(self, client: Any, bucket: str, region: str, presign_client: Any | None = None) -> None:
        self._client = client
        # Presigned URLs are handed to clients, who may reach S3 at another address than the
        # services do (in docker compose: localhost:9000 outside, minio:9000 inside).
        self._presign_client = presign_client or client
        self.bucket = bucket
        self._region = region

    async def ensure_bucket(self) -> None:
        """Create the bucket if missing (dev and tests; production buckets are provisioned)."""
        try:
            await self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if not _missing(exc):
                raise
        extra: dict[str, Any] = {}
        if self._region != "us-east-1":  # us-east-1 rejects an explicit LocationConstraint
            extra["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
        try:
            await self._client.create_bucket(Bucket=self.bucket, **extra)
        except ClientError as exc:
            # Another replica (or test) created it first.
            if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def check(self) -> None:
        await self._client.head_bucket(Bucket=self.bucket)

    async def presign_put(self, key: str, content_type: str, content_length: int | None, expires: int) -> PresignedPut:
        """A presigned PUT. Content-Type, and Content-Length when given, are signed headers: S3
        (and MinIO) refuse a PUT whose type or length differs. moto does not check; our own
        verification after the upload is the guarantee either way."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ContentType": content_type}
        headers = {"Content-Type": content_type}
        if content_length is not None:
            params["ContentLength"] = content_length
            headers["Content-Length"] = str(content_length)
        url = await self._presign_client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires)
        return PresignedPut(url, headers)

    async def presign_get(self, key: str, expires: int, *, content_type: str, content_disposition: str) -> str:
        """A presigned GET that makes S3 answer with these Content-Type/Content-Disposition."""
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition,
        }
        return str(await self._presign_client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires))

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            meta = await self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return ObjectInfo(int(meta["ContentLength"]), str(meta.get("ETag", "")))

    async def _get(self, key: str, if_match: str | None) -> dict[str, Any]:
        extra = {"IfMatch": if_match} if if_match else {}
        try:
            return await self._client.get_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as exc:
            if _missing(exc):
                raise ObjectMissing(key) from None
            if _changed(exc):
                raise ObjectChanged(key) from None
            raise

    async def download_to(self, key: str, path: Path, max_bytes: int, *, if_match: str | None = None) -> ObjectInfo:
        """Stream the object into `path`, refusing (before or while reading) past `max_bytes`."""
        response = await self._get(key, if_match)
        body = response["Body"]
        try:
            size = int(response.get("ContentLength", 0))
            if size > max_bytes:
                raise ObjectTooLarge(size, max_bytes)
            written = 0
            # Plain writes: chunks of at most CHUNK_SIZE land in the page cache, far quicker
            # than a thread hop per chunk.
            with path.open("wb") as out:
                while chunk := await body.read(CHUNK_SIZE):
                    written += len(chunk)
                    if written > max_bytes:  # a length header is not a promise
                        raise ObjectTooLarge(written, max_bytes)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        finally:
            body.close()
        return ObjectInfo(written, str(response.get("ETag", "")))

    @contextlib.asynccontextmanager
    async def stream(self, key: str, *, if_match: str | None = None) -> AsyncIterator[ObjectStream]:
        """The object as chunks, for relaying to a client with flat memory."""
        response = await self._get(key, if_match)
        body = response["Body"]
        try:
            yield ObjectStream(
                int(response.get("ContentLength", 0)), str(response.get("ETag", "")), response.get("ContentType"), body
            )
        finally:
            body.close()

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> str:
        result = await self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return str(result.get("ETag", ""))

    async def put_file(self, key: str, path: Path, content_type: str) -> str:
        with path.open("rb") as body:
            result = await self._client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, ContentLength=path.stat().st_size
            )
        return str(result.get("ETag", ""))

    async def copy(self, source_key: str, key: str, *, if_match: str | None = None) -> str:
        extra = {"CopySourceIfMatch": if_match} if if_match else {}
        try:
            result = await self._client.copy_object(
                Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": source_key}, **extra
            )
        except ClientError as exc:
            if _missing(exc):
                raise ObjectMissing(source_key) from None
            if _changed(exc):
                raise ObjectChanged(source_key) from None
            raise
        return str(result.get("CopyObjectResult", {}).get("ETag", ""))

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=key)


@contextlib.asynccontextmanager
async def open_storage(settings: Settings, *, max_attempts: int = 2) -> AsyncIterator[Storage]:
    config = AioConfig(
        signature_version="s3v4",
        # Path style works with moto, MinIO and AWS alike without wildcard DNS for the bucket.
        s3={"addressing_style": "path"},
        # One retry: enough for a dropped keep-alive connection, short enough that a GET of a
        # draft does not hang on an S3 outage.
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        # Only when required: a presigned URL must not demand checksum headers of the client.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = get_session()

    def client_for(endpoint_url: str | None) -> Any:
        return session.create_client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id.get_secret_value(),
            aws_secret_access_key=settings.s3_secret_access_key.get_secret_value(),
            config=config,
        )

    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(client_for(settings.s3_endpoint_url))
        presign_client = None
        if settings.s3_public_endpoint_url and settings.s3_public_endpoint_url != settings.s3_endpoint_url:
            presign_client = await stack.enter_async_context(client_for(settings.s3_public_endpoint_url))
        yield Storage(client, settings.s3_bucket, settings.s3_region, presign_client)


STORAGE: web.AppKey[Storage] = web.AppKey("storage", Storage)


def storage_ctx(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    """cleanup_ctx entry: app[STORAGE] lives as long as the app, with an `s3` readiness check."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_storage(settings) as storage:
            try:
                await storage.ensure_bucket()
            except Exception as exc:  # S3 away at start-up: serve what does not need it; /readyz says why
                log.warning("could not ensure the S3 bucket %s: %r", settings.s3_bucket, exc)
            app[STORAGE] = storage
            add_readiness_check(app, "s3", storage.check)
            yield

    return ctx
