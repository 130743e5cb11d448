"""What an accepted PDF had removed before signers saw it (services/documents/pdf/active_content.py).

Part of the public contract (listed in a document's `activeContentKinds`). A plain enum, free of
pydantic and pypdf, so the PDF checker process and the parent validating its reply stay light.
"""

from __future__ import annotations

from enum import StrEnum


class ActiveKind(StrEnum):
    """A kind of active content removed from an uploaded PDF before signers saw it (docs/files.md).
    Stable values: stored on the document and listed in its `activeContentKinds`."""

    JAVASCRIPT = "javascript"  # JavaScript actions and the document's /JavaScript name tree
    OPEN_ACTION = "open_action"  # an /OpenAction that is more than a jump inside the document
    ADDITIONAL_ACTIONS = "additional_actions"  # /AA: actions run on events (open, close, focus, keystroke…)
    LAUNCH = "launch"  # /Launch: start a program or open a file
    EMBEDDED_FILE = "embedded_file"  # /EmbeddedFiles, /FileAttachment annotations, /AF, portfolios
    SUBMIT_FORM = "submit_form"  # /SubmitForm: send form data somewhere
    IMPORT_DATA = "import_data"  # /ImportData: load form data from a file
    REMOTE_GOTO = "remote_goto"  # /GoToR, /GoToE: open another (or an embedded) document
    RICH_MEDIA = "rich_media"  # multimedia and 3D annotations and actions
    XFA = "xfa"  # XML forms (/AcroForm /XFA), scriptable on their own
    UNSAFE_LINK = "unsafe_link"  # a /URI that is not http, https or mailto (javascript:, file:)
    OTHER_ACTION = "other_action"  # any other action type: not on the allow-list
