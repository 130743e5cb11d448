"""What the seal checker found in a file: the message between the checker process and the service.

Pure data, so both sides import it without the service: the checker process
(adapters/sealing/seal_worker.py) parses the untrusted file; the service only reads this report, so
every field is plain data and a report that does not parse is treated as no report at all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Literal

# How the file's structure stands, before any cryptography:
#   readable   the PDF parsed (with or without a seal)
#   unreadable it did not parse as a PDF at all
Structure = Literal["readable", "unreadable"]
# How much of the file the seal's signed byte range covers (pyHanko's SignatureCoverageLevel):
#   file      every byte of the file
#   revision  the file up to the seal's revision; bytes were appended after it
#   partial   less than that: the file was rewritten around the seal
Coverage = Literal["file", "revision", "partial"]


@dataclass(frozen=True, slots=True)
class SealReport:
    structure: Structure
    ends_with_eof: bool  # the file's last bytes (but line ends) are the `%%EOF` marker
    sealed: bool = False  # the file holds a signature
    intact: bool = False  # the digest over its byte range matches the signed one
    valid: bool = False  # the signature value verifies with the certificate's key
    trusted: bool = False  # the certificate chains to the platform CA
    coverage: Coverage | None = None
    changes_allowed: bool | None = None  # pyHanko's DocMDP verdict on later revisions
    signer_subject: str | None = None
    signer_org_id: str | None = None  # the O attribute of the seal certificate: the organisation id
    certificate_sha256: str | None = None
    signed_at: str | None = None  # the signing time the signer claims (ISO 8601)
    timestamp_at: str | None = None  # the TSA's time (ISO 8601), when a token is present
    timestamp_valid: bool | None = None  # the token verifies and chains to the platform CA
    error: str | None = None  # why the seal could not be evaluated, when it could not

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def parse(cls, raw: bytes) -> SealReport | None:
        """The report, or None when the checker printed anything else."""
        try:
            data = json.loads(raw.decode("utf-8").strip().splitlines()[-1])
            known = {f.name for f in fields(cls)}
            if not isinstance(data, dict) or not known >= data.keys():
                return None
            return cls(**data)
        except (ValueError, IndexError, TypeError):
            return None
