"""Opening files a user names without trusting what they are: a FIFO, a device or a socket is
refused (opening or reading one can block forever, or never end, like ``/dev/zero``), and a
size is never taken from ``stat()``: reads are bounded by the limit itself."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a folder: not read."""


def open_regular(path: Path | str) -> BinaryIO:
    """``path`` opened for buffered binary reading, if it is a regular file (links followed).

    Opened without blocking, so a FIFO with no writer is seen for what it is instead of
    waiting forever for one; the check is on the opened file, so a swap after it cannot fool it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(
                errno.EINVAL, "not a regular file (a FIFO, device, socket or folder)", str(path)
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(path: Path | str, cap: int) -> bytes:
    """At most ``cap + 1`` bytes of a regular file: more than ``cap`` means it is too large."""
    with open_regular(path) as fh:
        return fh.read(cap + 1)
