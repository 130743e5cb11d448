"""A helper process that must not outlive the process that started it.

A worker started with `spawn` (the seal processes, `make run`'s SMTP sink) holds no pipe whose
end would tell it that its parent was SIGKILLed or crashed: it would wait for ever. On Linux the
kernel sends it SIGKILL when the parent dies (PR_SET_PDEATHSIG); elsewhere only a graceful stop
ends it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in the child: SIGKILL this process when `parent_pid` dies."""
    if not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1  # <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # it died before the line above: nobody would tell us
        os._exit(1)
