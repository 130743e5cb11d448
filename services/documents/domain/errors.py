"""What the domain refuses, as exceptions without HTTP in them (pure: no I/O).

Use cases raise these; api/errors.py is the one place that turns each into problem+json (its
status, slug and text). The state machines' refusals live beside their tables
(statemachine.TransitionNotAllowed, signer_states.*), and derive from DomainError too.

Refusals a use case words itself (a field that is missing, a code that expired, a link that is
dead) are `Refusal`s: the class says what kind of refusal it is — api/errors.py gives each kind
its status — and the instance carries the words the caller reads (`detail`), a stable
machine-readable `code` (None: the kind's generic one) and, for bad input, the fields at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """A rule of the domain refused the command."""


class NotFound(DomainError):
    """No such thing for the caller: missing, deleted, or another organisation's."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """What is wrong with one field of the input (dotted path, e.g. `fields.3.box`)."""

    field: str
    message: str


class Refusal(DomainError):
    """A refusal worded by the use case that raises it; subclasses name its kind."""

    def __init__(self, detail: str, *, code: str | None = None, fields: Sequence[FieldIssue] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.fields = list(fields)


class Invalid(Refusal):
    """The input, or what the document holds (its file, its signers), is not acceptable as it is."""


class Conflicting(Refusal):
    """The current state of the document or signer does not allow this now."""


class Gone(Refusal):
    """It is over for good: the document ended, the copy's retention passed."""


class Blocked(Refusal):
    """The caller must do something else first (verify their email), or has been locked out."""


class Missing(Refusal):
    """Nothing to act on, in the use case's own words (a dead link, no live code)."""


class Unavailable(Refusal):
    """A dependency (file storage, the checker) failed: temporary, worth a retry."""


class TooSoon(Refusal):
    """Asked too often: allowed again after `retry_after` seconds."""

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after
