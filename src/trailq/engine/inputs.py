"""Opening one input and decoding its bytes: what a file *is*, whatever its name.

`open_input` reads the first bytes of a file, a FIFO, `/dev/fd/N` or stdin and decides:
- gzip (any name): decompressed member after member, like `zcat`. A truncated file gives every
  byte that can be decompressed; a valid member followed by junk keeps the member. What was lost
  is kept in `Input.problems()`, reported by the reader after the data it could read.
- a UTF-8 byte order mark is dropped (it is not part of the first record);
- formats trailq does not read (bzip2, xz, zstd, zip, UTF-16, UTF-32, binary data) are named in
  `Input.unreadable`, so the reader reports the file by what it is instead of "not valid JSON";
- anything else is read as JSON or JSON lines by events.py.

Pure byte handling: nothing here parses JSON or reports (events.py does both). The rules are in
docs/semantics.md ("Local input").
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
# Enough to recognise every format below and a UTF-16 text by its NUL bytes.
HEAD_BYTES = 512
_BUFFER = 1 << 20
# Compressed bytes fed to zlib per call, and the most it may return per call: a small gzip bomb
# cannot blow up memory, and a corrupt spot loses at most this much decompressed output.
_GZIP_CHUNK = 128 << 10
_GZIP_OUT_MAX = 1 << 20

# Leading bytes of formats that are never JSON text. Order matters only for shared prefixes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"BZh", "bzip2-compressed (.bz2)"),
    (b"\xfd7zXZ\x00", "xz-compressed (.xz)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed (.zst)"),
    (b"PK\x03\x04", "a zip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    (b"\x00\x00\xfe\xff", "UTF-32 text (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 text (little-endian)"),
    (b"\xff\xfe", "UTF-16 text (little-endian)"),
    (b"\xfe\xff", "UTF-16 text (big-endian)"),
)
_HINTS = {
    "bzip2": "decompress it first (bzcat FILE | trailq ... --source -)",
    "xz": "decompress it first (xzcat FILE | trailq ... --source -)",
    "zstd": "decompress it first (zstdcat FILE | trailq ... --source -)",
    "zip": "unzip it and give the folder",
    "7-zip": "extract it and give the folder",
    "UTF-16": "convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 FILE)",
    "UTF-32": "convert it to UTF-8 first (iconv -f UTF-32 -t UTF-8 FILE)",
}


def unreadable_kind(head: bytes) -> str | None:
    """Why bytes starting with `head` cannot be JSON text trailq reads (with what to do), or None.

    Gzip is readable and returns None. JSON text never holds a raw NUL byte, so NULs in the head
    mean UTF-16/UTF-32 without a byte order mark, or binary data."""
    for magic, kind in _MAGIC:
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit()):
            return _with_hint(kind)
    if head[257:262] == b"ustar":
        return "a tar archive, not read: extract it (tar -xf FILE) and give the folder"
    if b"\x00" in head:
        kind = _nul_pattern(head)
        if kind == _BINARY and head.lstrip(b" \t\r\n").startswith(b"{") and b"\n" in head:
            # JSON lines with a damaged line (NULs written by a crash) among the first: read them, the
            # damaged lines each a record gap, rather than lose the good lines as one "binary" file.
            return None
        return _with_hint(kind)
    return None


def _nul_pattern(head: bytes) -> str:
    even, odd = head[0::2], head[1::2]
    if head[:4].count(b"\x00") == 3:
        return "UTF-32 text"
    if odd and odd.count(0) > len(odd) * 0.6 and even.count(0) < len(even) * 0.2:
        return "UTF-16 text (little-endian)"
    if even and even.count(0) > len(even) * 0.6 and odd.count(0) < len(odd) * 0.2:
        return "UTF-16 text (big-endian)"
    return _BINARY


_BINARY = "binary data (NUL bytes), not JSON text"


def _with_hint(kind: str) -> str:
    hint = next((h for key, h in _HINTS.items() if key in kind), None)
    return f"{kind}, not read: {hint}" if hint else f"{kind}, not read"


def text_kind(head: bytes, name: str = "", decompressed: bool = False) -> str:
    """A name for text that is not JSON, for the message of a file that could not be read at all
    (`head`: its first bytes after decoding; `decompressed`: the file was gzip, whatever its name)."""
    start = head.lstrip()
    kind = "XML or HTML, not JSON" if start.startswith(b"<") else "not valid JSON"
    if not decompressed and name.lower().endswith((".gz", ".gzip", ".tgz")):
        return f"not gzip-compressed despite its name, and {kind}"
    return kind


class _Replay(io.RawIOBase):
    """The bytes already read to sniff an input, then the rest of it (works for pipes too)."""

    def __init__(self, head: bytes, handle: BinaryIO) -> None:
        self._head = head
        self._handle = handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # a writable buffer (memoryview or bytearray)
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        readinto = getattr(self._handle, "readinto", None)
        if readinto is not None:  # no copy: straight into the reader's buffer
            return readinto(buffer) or 0
        data = self._handle.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class GzipDecoder(io.RawIOBase):
    """gzip members one after another, as `zcat` reads them, never raising on bad data.

    Stops at the first corrupt spot, at a truncated end, or at bytes after a member that start no
    new member (NUL padding is accepted, as gzip does). Each loss is described in `problems`.
    """

    def __init__(self, source: io.RawIOBase) -> None:
        self._source = source
        self._inflater = zlib.decompressobj(31)
        self._pending = b""
        self._tail = b""  # compressed bytes not yet given to zlib
        self._consumed = 0  # compressed bytes read from the source
        self._done = False
        self._in_member = False
        self.problems: list[str] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # a writable buffer (memoryview or bytearray)
        while not self._pending and not self._done:
            self._step()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _read(self) -> bytes:
        data = self._source.read(_GZIP_CHUNK) or b""
        self._consumed += len(data)
        return data

    def _step(self) -> None:
        inflater = self._inflater
        data = inflater.unconsumed_tail or self._tail or self._read()
        self._tail = b""
        if not data:
            self._done = True
            if self._in_member:
                self._pending = inflater.flush()
                self.problems.append(f"truncated gzip: the compressed data ends early (after {self._consumed:,} bytes); "
                                     "what could be decompressed was read, the rest of the file is lost")
            return
        self._in_member = True
        before = inflater.copy()  # zlib drops a failing call's output: kept to decompress it again
        try:
            self._pending = inflater.decompress(data, _GZIP_OUT_MAX)
        except zlib.error as exc:
            self._done = True
            self._pending = _up_to_the_error(before, data)
            self.problems.append(f"corrupt gzip data (within the first {self._consumed:,} compressed bytes: {exc}); "
                                 "the data before it was read, the rest of the file is lost")
            return
        if inflater.eof:
            self._next_member(inflater.unused_data)

    def _next_member(self, rest: bytes) -> None:
        """After a member's end: another member, NUL padding, the end of the file, or junk."""
        self._in_member = False
        end = self._consumed - len(rest)
        while True:
            stripped = rest.lstrip(b"\x00")
            if stripped:
                break
            rest = self._read()
            if not rest:
                return  # a clean end (the next step reads nothing and stops)
        if len(stripped) < 2:
            stripped += self._read()
        if stripped.startswith(GZIP_MAGIC):
            self._inflater = zlib.decompressobj(31)
            self._tail = stripped
            return
        self._done = True
        self.problems.append(f"bytes after the end of the gzip data (at byte {end:,}) are not gzip: the data before "
                             "them was read, they were not")


def _up_to_the_error(inflater: Any, data: bytes) -> bytes:
    """What `inflater` gives for `data` before the corrupt spot, to the byte.

    A failing `decompress` call returns nothing, though it decompressed everything before the bad
    byte: a member whose checksum (in its last 8 bytes) is wrong lost all its records. Fed again in
    small pieces, and the failing piece byte by byte. The output is bounded as the failing call's
    was: that call raised before giving _GZIP_OUT_MAX bytes."""
    out: list[bytes] = []
    size = 0
    for start in range(0, len(data), _SALVAGE_PIECE):
        piece = data[start:start + _SALVAGE_PIECE]
        before = inflater.copy()
        try:
            out.append(inflater.decompress(piece, _GZIP_OUT_MAX - size))
        except zlib.error:
            out.append(_bytewise(before, piece))
            break
        size += len(out[-1])
        if size >= _GZIP_OUT_MAX or inflater.eof:
            break
    return b"".join(out)


def _bytewise(inflater: Any, piece: bytes) -> bytes:
    out = []
    for i in range(len(piece)):
        try:
            out.append(inflater.decompress(piece[i:i + 1]))
        except zlib.error:
            break
    return b"".join(out)


# Compressed bytes per call when decompressing again up to a corrupt spot.
_SALVAGE_PIECE = 256


@dataclass
class Input:
    """One opened input: its decoded bytes, or why it cannot be read."""

    stream: BinaryIO
    handle: BinaryIO  # the underlying file, closed by `close` (not stdin)
    gzip: GzipDecoder | None = None
    unreadable: str | None = None  # set: report the file with this reason, read nothing
    owned: bool = True
    _closed: bool = field(default=False, repr=False)

    def problems(self) -> list[str]:
        """What was lost while decoding (known once the stream was read to its end)."""
        return list(self.gzip.problems) if self.gzip is not None else []

    def close(self) -> None:
        if self.owned and not self._closed:
            self._closed = True
            self.handle.close()


def open_input(path: str, stdin: BinaryIO | None) -> Input:
    """Open a file (or take stdin for `-`), read its head and set up decoding. Raises OSError."""
    owned = path != "-"
    handle: BinaryIO = open(path, "rb") if owned else stdin  # type: ignore[assignment]  # noqa: SIM115 - stdin is given for `-` (read_events checks)
    try:
        head = _read_head(handle)
        source = _Replay(head, handle)
        stream: io.BufferedReader[Any]
        if head.startswith(GZIP_MAGIC):
            decoder = GzipDecoder(source)
            stream = io.BufferedReader(decoder, _BUFFER)
            inner = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
            why = "gzip-compressed twice, not read" if inner.startswith(GZIP_MAGIC) else unreadable_kind(inner)
            opened = Input(stream, handle, decoder, why, owned)
            inner_bom = inner.startswith(UTF8_BOM)
        else:
            stream = io.BufferedReader(source, _BUFFER)
            opened = Input(stream, handle, None, unreadable_kind(head), owned)
            inner_bom = head.startswith(UTF8_BOM)
        if inner_bom:
            stream.read(len(UTF8_BOM))
        return opened
    except BaseException:
        if owned:
            handle.close()
        raise


def _read_head(handle: BinaryIO) -> bytes:
    """Up to HEAD_BYTES, waiting for a pipe's writer as long as it has more to give."""
    head = b""
    while len(head) < HEAD_BYTES:
        data = handle.read(HEAD_BYTES - len(head))
        if not data:
            break
        head += data
    return head
