"""Reading .zst files whole and honestly: every frame, and a truncated or corrupt file is an
error (an OSError, as for gzip), never a silent early end."""

from __future__ import annotations

import io
from typing import IO, Any


def zstd_lines(raw: IO[bytes]) -> IO[bytes]:
    """A .zst file's content, every frame of it (a file may hold several, e.g. concatenated or
    written by pzstd), as a buffered stream whose read errors are OSErrors: corrupt data, and a
    file that ends inside a frame (truncated), which the decompressor alone would not report."""
    import zstandard

    source = _FrameEnds(raw)
    reader = zstandard.ZstdDecompressor().stream_reader(
        source,  # type: ignore[arg-type]  # it reads with read() only
        read_across_frames=True,
        closefd=False,
    )
    return io.BufferedReader(_ZstdErrors(reader, source), 1 << 16)


class _ZstdErrors(io.RawIOBase):
    def __init__(self, reader: Any, source: _FrameEnds) -> None:
        self.reader = reader
        self.source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import zstandard

        try:
            n = int(self.reader.readinto(buffer))
        except zstandard.ZstdError as exc:
            raise OSError(f"corrupt zstd data: {exc}") from None
        if n == 0 and self.source.truncated:  # after every whole block is given out
            raise OSError(
                f"truncated zstd file: it ends inside a frame, at byte {self.source.at:,}"
            )
        return n


class _FrameEnds:
    """The compressed bytes as they pass to the decompressor, with the zstd frame layout walked
    (headers and block sizes only, so it costs next to nothing): at the end of the file it says
    whether the last frame was whole. Format: RFC 8878, section 3.1."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.head = b""  # bytes of a header not yet complete
        self.skip = 0  # bytes of block content (or a skippable frame) still to pass
        self.want = 4  # header bytes needed next; its meaning is in ``self.state``
        self.state = "magic"
        self.checksum = False
        self.at = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if data:
            self._walk(data)
        return data

    @property
    def truncated(self) -> bool:
        """At the end of the file: whether it ends inside a frame."""
        return self.state != "magic" or bool(self.head) or self.skip > 0

    def _walk(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n:
            if self.skip:
                step = min(self.skip, n - i)
                self.skip -= step
                i += step
                continue
            take = min(self.want - len(self.head), n - i)
            self.head += data[i : i + take]
            i += take
            if len(self.head) == self.want:
                head, self.head = self.head, b""
                self._header(head)
        self.at += n

    def _header(self, head: bytes) -> None:
        if self.state == "magic":
            magic = int.from_bytes(head, "little")
            if magic & 0xFFFFFFF0 == 0x184D2A50:  # a skippable frame: its size, then its bytes
                self.state, self.want = "skippable", 4
            else:  # a data frame (the decompressor itself refuses a bad magic number)
                self.state, self.want = "descriptor", 1
        elif self.state == "skippable":
            self.skip = int.from_bytes(head, "little")
            self.state, self.want = "magic", 4
        elif self.state == "descriptor":
            fhd = head[0]
            fcs_flag, single, did_flag = fhd >> 6, (fhd >> 5) & 1, fhd & 3
            self.checksum = bool((fhd >> 2) & 1)
            fcs = (1 if single else 0, 2, 4, 8)[fcs_flag]
            rest = (0 if single else 1) + (0, 1, 2, 4)[did_flag] + fcs
            self.state, self.want = "block", 3
            if rest:
                self.state, self.want = "frame-header", rest
        elif self.state == "frame-header":
            self.state, self.want = "block", 3
        elif self.state == "block":
            block = int.from_bytes(head, "little")
            last, kind, size = block & 1, (block >> 1) & 3, block >> 3
            self.skip = 1 if kind == 1 else size  # an RLE block holds one byte
            self.state, self.want = "block", 3
            if last:
                self.state, self.want = ("checksum", 4) if self.checksum else ("magic", 4)
        elif self.state == "checksum":
            self.state, self.want = "magic", 4
