"""What a workbook (.xlsx, a zip of XML parts) may hold before openpyxl reads it.

Two things make a small upload cost minutes or hours of CPU. A zip can unpack
to hundreds of times its size. And the expat bundled with Python 3.11.7 (2.5.0,
before 2.6's reparse deferral) scans an unfinished token again from its start
each time openpyxl hands it the next 16 KB, so one token of n bytes (a comment,
a text node, a tag) costs time in n²: a 24 MiB comment took 30 s, a 590 MiB one
hours. `check_workbook` refuses both in one linear pass over the parts, before
openpyxl parses anything; what it lets through parses in time proportional to
its size.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from django.utils.translation import gettext as _

MIB = 1024 * 1024
# Far more parts than any workbook of one sheet has (Excel writes about a dozen).
MAX_PARTS = 1000
# A 50,000-row sheet of lots is about 70 MB of XML.
MAX_PART_BYTES = 100 * MIB
MAX_UNPACKED_BYTES = 160 * MIB
# Sheet XML deflates about 10 times (more when rows repeat), so 100 times the
# upload is generous; small workbooks get a floor for their fixed parts.
UNPACKED_PER_UPLOADED_BYTE = 100
MIN_UNPACKED_ALLOWANCE = 10 * MIB
# Excel holds at most 32,767 characters in a cell: 96 KiB of UTF-8, more with
# &amp; escapes. No honest tag, text or comment comes near this.
MAX_TOKEN_BYTES = 256 * 1024
# Comments, CDATA sections and processing instructions, which Excel does not
# write at all; each is handled on its own, so their number is capped too.
MAX_MARKUP_DECLARATIONS = 10_000
_CHUNK = MIB
_SNIFF = 64

_DECLARATION = re.compile(rb"<[!?]")
_TERMINATORS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_LOOKAHEAD = max(len(start) for start in _TERMINATORS)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


class WorkbookRefused(Exception):
    """The workbook is refused before it is parsed; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _mb(size: int) -> str:
    return f"{size / MIB:,.0f}"


def unpacked_allowance(upload_size: int) -> int:
    """How many bytes the parts of an upload of this size may unpack to."""
    return min(MAX_UNPACKED_BYTES, max(MIN_UNPACKED_ALLOWANCE, UNPACKED_PER_UPLOADED_BYTE * upload_size))


def _token_refused(part: str, max_token: int) -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The workbook part %(part)s holds a single piece of text or markup of more than "
            "%(size)s KB, which no spreadsheet cell needs; the file was refused. Save it again "
            "from Excel or LibreOffice, or as CSV UTF-8."
        )
        % {"part": part, "size": f"{max_token / 1024:g}"}
    )


def _foreign_markup_refused(part: str) -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The workbook part %(part)s holds XML that spreadsheet programs do not write "
            "(a document type declaration, or thousands of comments); the file was refused. "
            "Save it again from Excel or LibreOffice, or as CSV UTF-8."
        )
        % {"part": part}
    )


class TokenScanner:
    """Follows an XML part chunk by chunk and refuses it as soon as any token
    expat would see grows past `max_token` bytes.

    Outside comments, CDATA sections and processing instructions no token can
    hold a "<" (not a tag, not an attribute value, not text), so the distance
    between two "<" bounds every token; those three are measured from their
    start to their terminator instead. A document type declaration is refused:
    workbooks have none, and it is where entity expansion bombs live.
    """

    def __init__(self, part: str, max_token: int = MAX_TOKEN_BYTES) -> None:
        self.part = part
        self.max_token = max_token
        # A run of more than max_token bytes without "<", starting right after
        # one: anchoring at the run's start keeps the search linear.
        self.long_run = re.compile(rb"(?<![^<])[^<]{%d}" % (max_token + 1))
        self.run = 0  # bytes of the token in progress
        self.terminator: bytes | None = None  # inside a comment, CDATA or instruction
        self.declarations = 0
        self.carry = b""

    def _grow(self, size: int) -> None:
        self.run += size
        if self.run > self.max_token:
            raise _token_refused(self.part, self.max_token)

    def _plain(self, buf: bytes, start: int, end: int) -> None:
        """buf[start:end] holds tags and text only."""
        first = buf.find(b"<", start, end)
        if first == -1:
            self._grow(end - start)
            return
        self._grow(first - start)
        if self.long_run.search(buf, first + 1, end):
            raise _token_refused(self.part, self.max_token)
        last = buf.rfind(b"<", first, end)
        self.run = 0
        self._grow(end - last - 1)

    def feed(self, data: bytes, *, final: bool = False) -> None:
        buf, self.carry = self.carry + data, b""
        pos, end = 0, len(buf)
        while pos < end:
            if self.terminator is not None:
                found = buf.find(self.terminator, pos)
                if found == -1:
                    # The terminator may straddle this chunk and the next.
                    keep = 0 if final else min(len(self.terminator) - 1, end - pos)
                    self._grow(end - pos - keep)
                    self.carry = buf[end - keep :]
                    return
                self._grow(found + len(self.terminator) - pos)
                pos, self.run, self.terminator = found + len(self.terminator), 0, None
                continue
            match = _DECLARATION.search(buf, pos)
            stop = match.start() if match else end
            if match is None and not final and buf.endswith(b"<"):
                # Perhaps the start of "<!--" cut in two by the chunk boundary.
                stop -= 1
            self._plain(buf, pos, stop)
            if match is None:
                self.carry = buf[stop:]
                return
            if end - stop < _LOOKAHEAD and not final:
                self.carry = buf[stop:]
                return
            opener = next((start for start in _TERMINATORS if buf.startswith(start, stop)), None)
            if opener is None:
                raise _foreign_markup_refused(self.part)
            self.declarations += 1
            if self.declarations > MAX_MARKUP_DECLARATIONS:
                raise _foreign_markup_refused(self.part)
            self.run, self.terminator = 0, _TERMINATORS[opener]
            self._grow(len(opener))
            pos = stop + len(opener)

    def close(self) -> None:
        if self.carry:
            self.feed(b"", final=True)


def _is_xml(start: bytes) -> bool:
    """Whether a part is XML expat would parse: "<" or white space first.
    Anything else (pictures, printer settings) is not XML, and expat stops at
    its first byte."""
    if start.startswith(_UTF8_BOM):
        start = start[len(_UTF8_BOM) :]
    return start[:1] in (b"<", b" ", b"\t", b"\r", b"\n")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> int:
    """Read one part as far as needed and return the bytes it unpacked to."""
    with archive.open(info) as stream:
        chunk = stream.read(_SNIFF)
        if chunk.startswith(_UTF16_STARTS):
            # One byte of "<" may be half of another character in UTF-16,
            # which the scan could not measure. Excel writes UTF-8.
            raise _foreign_markup_refused(info.filename)
        if not _is_xml(chunk):
            return 0
        scanner = TokenScanner(info.filename)
        size = 0
        while chunk:
            size += len(chunk)
            # The sizes the zip declares were checked already; the bytes it
            # really unpacks to are counted here, since a forged zip can lie.
            if size > min(MAX_PART_BYTES, info.file_size, room):
                raise _unpacked_refused()
            scanner.feed(chunk)
            chunk = stream.read(_CHUNK)
        scanner.close()
        return size


def _unpacked_refused() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The workbook unpacks to far more data than a spreadsheet of its size holds; "
            "it was refused. Save it again from Excel or LibreOffice, or as CSV UTF-8."
        )
    )


def check_workbook(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to too much for its size, or whose
    XML holds a token that would make parsing it slow. Raises `WorkbookRefused`;
    `zipfile.BadZipFile` and the like for a damaged zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise WorkbookRefused(
                _("The workbook holds %(count)s parts; a spreadsheet has far fewer. It was refused.")
                % {"count": f"{len(infos):,}"}
            )
        allowance = unpacked_allowance(len(data))
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise WorkbookRefused(
                    _(
                        "The workbook part %(part)s unpacks to %(size)s MB, more than the %(max)s MB "
                        "that can be read; it was refused. Split the file into smaller ones."
                    )
                    % {"part": info.filename, "size": _mb(info.file_size), "max": _mb(MAX_PART_BYTES)}
                )
        if sum(info.file_size for info in infos) > allowance:
            raise _unpacked_refused()
        room = allowance
        for info in infos:
            if not info.is_dir():
                room -= _scan_part(archive, info, room)


# What zipfile and zlib raise on a damaged or unsupported zip (encrypted parts:
# RuntimeError; unknown compression: NotImplementedError).
DAMAGED_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)
