"""Every setting of every service, read from environment variables.

One class for the whole system keeps the list of knobs in one place (docs/configuration.md
lists them); each service reads only what it needs. Defaults are safe for one local machine:
everything binds to 127.0.0.1. Secrets are `SecretStr`, so they never appear in a repr or a log.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.jobs.schedule import parse_delays  # the one parser of schedules (env strings and lists)

if TYPE_CHECKING:
    from shared.secretbox import Keyring

REPO_ROOT = Path(__file__).resolve().parent.parent
# Where `countersign run` keeps the INTERNAL_SECRET it generated (0600), for the operator commands.
DEV_INTERNAL_SECRET_FILE = REPO_ROOT / "var" / "dev-internal-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # --- infrastructure -------------------------------------------------------------------
    database_url: str = "postgresql://postgres@127.0.0.1:5432/countersign"
    db_pool_min: int = 2
    db_pool_max: int = 10
    # A pool closes a connection (down to db_pool_min) once it has been idle this long.
    db_pool_idle_seconds: float = Field(default=300, gt=0)
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Exchange and queue names are derived from this namespace, so a test run never shares
    # queues with a running `make run`.
    amqp_namespace: str = "countersign"
    # How often a message may be redelivered after a handler failure before it dead-letters.
    consumer_delivery_limit: int = 5

    # --- network --------------------------------------------------------------------------
    bind_host: str = "127.0.0.1"
    gateway_port: int = 8080
    documents_port: int = 8081
    audit_port: int = 8082
    notifier_port: int = 8083
    documents_url: str = "http://127.0.0.1:8081"
    audit_url: str = "http://127.0.0.1:8082"
    notifier_url: str = "http://127.0.0.1:8083"
    # Replicas of one internal service, comma separated (docs/running.md#scaling-out): callers
    # spread requests over them and fail over when one refuses connections. Unset: the one
    # *_URL above. Either entry may be a DNS name that resolves to several replicas.
    documents_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    audit_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    notifier_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # `countersign run` (make run REPLICAS=2): processes of every service; replica k (from 0)
    # listens on its service's port + 100 × k.
    replicas: int = Field(default=1, ge=1, le=9)
    public_url: str = "http://127.0.0.1:8080"
    # Peers allowed to set X-Forwarded-For (IPs or CIDRs, comma separated).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Origins allowed to show the signing page in a frame (embedded signing), comma separated;
    # none by default: frame-ancestors 'none' and X-Frame-Options: DENY.
    embed_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Largest request body accepted anywhere on the API.
    max_body_bytes: int = 1_048_576
    # Longest request target (path and query) and longest single header (name and value) the
    # gateway accepts; beyond them it answers 414 / 431 problem+json (shared/http_server.py).
    max_request_line_bytes: int = Field(default=8190, ge=256)
    max_header_bytes: int = Field(default=8190, ge=256)

    # --- secrets --------------------------------------------------------------------------
    # Shared by the gateway and the internal services; internal services reject any request
    # that does not carry it. `countersign run` generates one when it is not set.
    internal_secret: SecretStr | None = None

    # Derives signing tokens and OTP codes (HMAC), so the raw values never need storing: the
    # database keeps only their hashes and the notifier asks the documents service for a
    # signer's link over the internal API. Must stay stable across restarts or links die;
    # `countersign run` generates one once and keeps it under var/.
    signing_secret: SecretStr | None = None

    # Seals the secrets the platform must read back (webhook signing secrets, organisations'
    # document-seal keys) with AES-256-GCM
    # (shared/secretbox.py): base64 32-byte keys, comma separated; the first seals, all open,
    # so a new key goes first and old ones stay until `countersign secrets rotate` has re-sealed
    # everything. Required by the notifier and documents; `countersign run` generates one once under var/.
    secrets_encryption_keys: SecretStr | None = None

    # --- storage and mail -----------------------------------------------------------------
    s3_endpoint_url: str | None = "http://127.0.0.1:9000"
    # Where clients reach S3 for presigned upload URLs, when that differs from where the
    # services reach it (docker compose: http://localhost:9000 outside, http://minio:9000 inside).
    s3_public_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_bucket: str = "countersign-documents"
    s3_access_key_id: SecretStr = SecretStr("countersign")
    s3_secret_access_key: SecretStr = SecretStr("countersign-secret")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = False
    mail_from: str = "Countersign <no-reply@countersign.local>"
    mail_sink_dir: Path = REPO_ROOT / "var" / "mail"

    # --- files and signing ----------------------------------------------------------------
    max_upload_bytes: int = 50 * 1024 * 1024
    upload_url_ttl_seconds: int = 600
    # Limits of the child process that parses untrusted uploads.
    pdf_parse_timeout_seconds: float = 20.0
    pdf_parse_memory_mb: int = 768
    # Warm sandbox workers (each a process of up to PDF_PARSE_MEMORY_MB) that run upload checks,
    # image conversion, page renders and signed-PDF builds; 0: a new process per job instead.
    sandbox_pool_size: int = Field(default=2, ge=0)
    # Jobs a sandbox worker runs before it is replaced by a fresh one.
    sandbox_jobs_per_worker: int = Field(default=100, ge=1)
    otp_ttl_seconds: int = 600
    otp_max_attempts: int = 5
    # A signer may ask for a new code this long after the previous one at the earliest (each
    # request sends an email: without a pause the endpoint would be a way to spam an inbox).
    otp_resend_seconds: int = Field(default=30, ge=0)
    # The lease of a signed-PDF build: one not finished this long after its claim is presumed
    # dead and retried.
    completion_lease_seconds: int = 120
    # Signed-PDF builds one documents process runs at once (each waits mostly on the audit
    # service, S3, a sandbox worker and the TSA), and the seal processes it keeps, one per build:
    # more seals than cores make them take turns (bench/README.md).
    completion_concurrency: int = Field(default=2, ge=1)
    # The seal processes' niceness (0-19): a seal is background work, so on busy cores the API
    # and the event paths (send → invitation, send → audit) go first; on idle cores no effect.
    seal_nice: int = Field(default=10, ge=0, le=19)
    # How long a signed-PDF build waits for the audit service to record the document's events
    # (the certificate prints the chain head that covers them); then the attempt fails and is
    # retried when its lease ends.
    audit_head_wait_seconds: float = Field(default=10.0, ge=0)
    # How often the expiry/reminder sweeps and the completion worker look for work.
    sweep_interval_seconds: float = 60.0
    # One-time codes a signer may be sent in any 24 hours; the next is 429 `otp-daily-limit`
    # until the oldest leaves the window. Caps both the emails and the guesses
    # (OTP_DAILY_LIMIT × OTP_MAX_ATTEMPTS a day).
    otp_daily_limit: int = Field(default=10, ge=1)
    # Wrong codes, across all of a signer's codes, after which the signer is locked out (403
    # `otp-locked`) until the sender re-sends the link. 10 = two codes' worth of attempts: a
    # person mistyping never gets there, a guesser gets a 1 in 100,000 chance per link.
    otp_lock_after_failures: int = Field(default=10, ge=1)
    # The platform CA that issues each organisation's seal certificate (docs/signed-pdf.md): PEM
    # files; the key may be password-protected. Required by the documents service (every
    # completed document is sealed); `countersign run` makes a development CA once under var/.
    seal_ca_cert_file: Path | None = None
    seal_ca_key_file: Path | None = None
    seal_ca_key_password: SecretStr | None = None
    # How long an organisation's seal certificate is valid (capped by the CA's own validity).
    seal_certificate_days: int = Field(default=825, ge=1)
    # RFC 3161 timestamp authority for the seals (PAdES B-T); unset: B-B, the signing time is
    # only the platform's word. When it is set and does not answer, completion waits and retries:
    # no document is completed with a seal missing its timestamp. `countersign run` runs a
    # development TSA when this is unset.
    tsa_url: str | None = None
    # Where the platform seal CA's CRL is published (HTTP): named in the certificates it issues and
    # embedded in every platform seal (PAdES B-LT). `countersign run` serves the development CA's.
    seal_crl_url: str | None = None
    tsa_timeout_seconds: float = Field(default=10.0, gt=0)
    # Where `countersign run` serves its development TSA (only when TSA_URL is unset).
    dev_tsa_port: int = 8084
    # POST /api/v1/verify (docs/signed-pdf.md): the largest file it checks (gateway and documents
    # service both stream it with this cap: a sealed PDF is far larger than MAX_BODY_BYTES), and
    # the wall-clock limit of the child process that parses it (an untrusted file).
    verify_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    verify_timeout_seconds: float = Field(default=20.0, gt=0)
    # PUT /api/v1/org/certificate (docs/signed-pdf.md): the largest PKCS#12 accepted. A key and a
    # few certificates are a few KB; the cap keeps an upload far below MAX_BODY_BYTES' reach.
    seal_upload_max_bytes: int = Field(default=64 * 1024, ge=1024)
    # POST /api/v1/documents/{id}/attachments (docs/files.md#attachments): the largest file, 10 MB
    # as the reference says; the gateway lets that route's body be this plus the form's framing.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # POST /api/v1/signing/{token}/fields/{fieldId}/signature-image (docs/signing.md): the largest
    # picture of a signature; a phone photo is a few MB. Cleaned into a PNG of at most 512 KB.
    signature_upload_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    # --- emails ---------------------------------------------------------------------------
    # Seconds before each retry after a transient SMTP failure (the last one repeats).
    # (A plain list default: pydantic copies it for each instance, and it is typed as the field is.)
    email_retry_schedule: Annotated[list[float], NoDecode] = [60, 300, 1800, 7200, 21600]
    # Attempts before an email is dead-lettered.
    email_max_attempts: int = Field(default=6, ge=1)
    # A claimed email not recorded as sent within this is presumed abandoned and sent again.
    email_send_lease_seconds: float = 300.0
    email_poll_seconds: float = 5.0
    email_batch_size: int = Field(default=20, ge=1)
    # How often an email held for a document on hold (action_required) is looked at again.
    email_hold_seconds: float = 300.0
    # How long a participant's link keeps serving the signed copy after completion.
    signed_copy_retention_days: int = 30

    # --- customer webhooks ----------------------------------------------------------------
    # Seconds before each retry of a failed delivery (the reference's 1 min … 24 h schedule).
    webhook_retry_schedule: Annotated[list[float], NoDecode] = [60, 300, 1800, 7200, 18000, 36000, 64800, 86400]
    webhook_timeout_seconds: float = 10.0
    # Consecutive failed deliveries after which a webhook is set inactive.
    webhook_max_consecutive_failures: int = 20
    # Development only: lets webhooks target loopback addresses over plain http.
    webhook_allow_loopback: bool = False
    webhook_poll_seconds: float = 1.0
    webhook_concurrency: int = 10
    webhook_delivery_retention_days: int = 30

    # --- WPsigner compatibility surface ---------------------------------------------------
    # The only directory WPsigner `file_path` may name files in.
    wpsigner_import_root: Path = REPO_ROOT / "var" / "import"
    wpsigner_rate_limit_per_hour: int = Field(default=1000, gt=0)
    # Requests per client IP per minute that carry no valid WPsigner credentials.
    wpsigner_ip_rate_limit_per_minute: int = Field(default=100, gt=0)
    wpsigner_file_url_ttl_seconds: int = Field(default=300, gt=0)

    # --- audit ----------------------------------------------------------------------------
    geoip_db_path: Path = REPO_ROOT / "deploy" / "geoip" / "test-city.mmdb"

    # --- inSigner API rate limits (services/gateway/ratelimit.py, docs/security.md) ---------
    # Requests per API key per minute, unless the key has its own (`countersign keys limit`).
    api_rate_limit_per_minute: int = Field(default=120, gt=0)
    # POST /api/v1/webhooks per member per hour (the reference's "10 per hour per user").
    webhook_create_limit_per_hour: int = Field(default=10, gt=0)
    # POST /api/v1/bulk-sends (and its CSV upload) per organisation per 5 minutes (the reference's
    # "1 bulk send per 5 minutes per organization"); only successful ones count.
    bulk_send_limit_per_5_minutes: int = Field(default=1, gt=0)
    # Failed authentications per client IP per minute on the inSigner API (unknown, revoked or
    # malformed keys) and its signer routes (unknown signing tokens, /sign/{token}); past it the
    # address gets 429 before any lookup, so keys and links cannot be guessed at speed.
    auth_failure_limit_per_minute: int = Field(default=30, gt=0)
    # POST /api/v1/verify requests per client IP per minute (no API key there, and each request
    # parses a PDF in a child process): past it, 429 until the minute ends.
    verify_rate_limit_per_minute: int = Field(default=10, gt=0)
    # Campaign submissions (POST /api/v1/campaigns/{id}/submissions, the public link's form) per
    # client IP and per submitted email address per hour, every attempt counted: past either, 429.
    campaign_submit_limit_per_ip_per_hour: int = Field(default=30, gt=0)
    campaign_submit_limit_per_email_per_hour: int = Field(default=5, gt=0)

    # --- idempotency keys of POSTs (services/gateway/idempotency.py, docs/api.md) ---------
    # How long a key's stored answer is replayed; after it the key is free again.
    idempotency_key_ttl_seconds: int = Field(default=86_400, gt=0)
    # Largest answer body stored for a replay; a larger one keeps the key (nothing runs twice)
    # but its replay is 409 `idempotency-response-not-stored`.
    idempotency_max_response_bytes: int = Field(default=262_144, ge=0)

    # --- background work ------------------------------------------------------------------
    outbox_poll_seconds: float = 2.0
    # On SIGTERM a service stops accepting connections and gives in-flight requests, messages
    # and background passes this long, in all, to finish (shared/shutdown.py); then it cancels
    # what is left (which is redone elsewhere: nothing half-written) and exits 0.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)

    # --- Prometheus metrics (shared/metrics_server.py, docs/running.md#metrics) ------------
    # Each service serves GET /metrics on a port of its own, never on its API port (the
    # gateway's is public). Loopback by default; 0 as a port takes any free one (tests).
    metrics_enabled: bool = True
    metrics_bind_host: str = "127.0.0.1"
    gateway_metrics_port: int = Field(default=9180, ge=0, le=65535)
    documents_metrics_port: int = Field(default=9181, ge=0, le=65535)
    audit_metrics_port: int = Field(default=9182, ge=0, le=65535)
    notifier_metrics_port: int = Field(default=9183, ge=0, le=65535)

    log_level: str = "INFO"
    # OpenTelemetry traces are exported by OTLP (HTTP/protobuf) to this collector URL, e.g.
    # http://127.0.0.1:4318; unset, tracing is off and nothing is instrumented (shared/tracing.py).
    # The exporter also reads the other standard OTEL_EXPORTER_OTLP_* variables (headers, timeout).
    otel_exporter_otlp_endpoint: str | None = None

    @field_validator(
        "trusted_proxies", "embed_allowed_origins", "documents_urls", "audit_urls", "notifier_urls", mode="before"
    )
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_retry_schedule", "email_retry_schedule", mode="before")
    @classmethod
    def _split_schedule(cls, value: object, info: ValidationInfo) -> object:
        return list(parse_delays(value, info.field_name or "retry schedule"))

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # raises a clear error on a typo
        return value

    def upstreams(self, service: Literal["documents", "audit", "notifier"]) -> tuple[str, ...]:
        """The base URLs of a service's replicas: its *_URLS, else its one *_URL."""
        many = {"documents": self.documents_urls, "audit": self.audit_urls, "notifier": self.notifier_urls}[service]
        one = {"documents": self.documents_url, "audit": self.audit_url, "notifier": self.notifier_url}[service]
        return tuple(url.rstrip("/") for url in many) or (one.rstrip("/"),)

    @property
    def events_exchange(self) -> str:
        return f"{self.amqp_namespace}.events"

    def queue_name(self, consumer: str) -> str:
        return f"{self.amqp_namespace}.{consumer}"

    def metrics_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_metrics_port"))

    def require_signing_secret(self) -> bytes:
        if self.signing_secret is None or len(self.signing_secret.get_secret_value()) < 32:
            raise SystemExit(
                "SIGNING_SECRET is not set (32+ characters): signing links and OTP codes are derived "
                "from it (countersign run generates one for you)."
            )
        return self.signing_secret.get_secret_value().encode()

    def require_internal_secret(self) -> str:
        if self.internal_secret is None or not self.internal_secret.get_secret_value():
            raise SystemExit(
                "INTERNAL_SECRET is not set: the gateway and the internal services need the same "
                "shared secret (countersign run generates one for you)."
            )
        return self.internal_secret.get_secret_value()

    def beside_make_run(self) -> Settings:
        """These settings for a command run beside `make run` (an operator command, `make bench`):
        with no INTERNAL_SECRET of its own, it takes the one `countersign run` generated and kept,
        so nothing has to be copied between terminals."""
        if self.internal_secret is None and DEV_INTERNAL_SECRET_FILE.exists():
            return self.model_copy(update={"internal_secret": SecretStr(DEV_INTERNAL_SECRET_FILE.read_text().strip())})
        return self

    def require_secrets_keyring(self) -> Keyring:
        from shared.secretbox import Keyring, KeyringError

        if self.secrets_encryption_keys is None or not self.secrets_encryption_keys.get_secret_value().strip():
            raise SystemExit(
                "SECRETS_ENCRYPTION_KEYS is not set: webhook secrets are sealed with it (base64 32-byte keys, "
                "comma separated; `countersign secrets new-key` makes one, countersign run generates one for you)."
            )
        try:
            return Keyring.parse(self.secrets_encryption_keys.get_secret_value())
        except KeyringError as exc:
            raise SystemExit(str(exc)) from None

    def require_seal_ca_files(self) -> tuple[Path, Path]:
        if self.seal_ca_cert_file is None or self.seal_ca_key_file is None:
            raise SystemExit(
                "SEAL_CA_CERT_FILE and SEAL_CA_KEY_FILE are not set: every completed document is sealed with a "
                "certificate this CA issues to its organisation (docs/signed-pdf.md; countersign run makes a "
                "development CA for you)."
            )
        return self.seal_ca_cert_file, self.seal_ca_key_file


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
