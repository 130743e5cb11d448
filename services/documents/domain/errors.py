"""What the domain refuses, as exceptions without HTTP in them (pure: no I/O).

Use cases raise these; api/errors.py is the one place that turns each into problem+json (its
status, slug and text). The state machines' refusals live beside their tables
(statemachine.TransitionNotAllowed, signer_states.*), and derive from DomainError too.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the command."""


class NotFound(DomainError):
    """No such thing for the caller: missing, deleted, or another organisation's."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what
