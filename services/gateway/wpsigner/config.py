"""The WPsigner surface's settings, read in this one module.

They are fields of shared.settings.Settings (docs/configuration.md), gathered here:

    WPSIGNER_IMPORT_ROOT                  directory POST /documents may read `file_path` from
    WPSIGNER_RATE_LIMIT_PER_HOUR          requests per credential per hour (WPsigner: 1,000)
    WPSIGNER_IP_RATE_LIMIT_PER_MINUTE     requests per client IP per minute without valid
                                          credentials (WPsigner: 100); then 429 before any lookup
    WPSIGNER_FILE_URL_TTL_SECONDS         lifetime of the download URL of GET /documents/{id}/file
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class WpConfig:
    import_root: Path
    rate_limit_per_hour: int
    ip_rate_limit_per_minute: int
    file_url_ttl_seconds: int
    max_file_bytes: int


def wp_config(settings: Settings) -> WpConfig:
    return WpConfig(
        import_root=Path(settings.wpsigner_import_root),
        rate_limit_per_hour=settings.wpsigner_rate_limit_per_hour,
        ip_rate_limit_per_minute=settings.wpsigner_ip_rate_limit_per_minute,
        file_url_ttl_seconds=settings.wpsigner_file_url_ttl_seconds,
        # The core refuses larger uploads anyway; checking first avoids reading such a file at all.
        max_file_bytes=settings.max_upload_bytes,
    )
