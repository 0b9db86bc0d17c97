"""Partners' CSV files, whatever they carry (médiation sortante's contact files, accueil's referral answers):
the bytes decoded in the encoding the partner's Excel wrote them in, the header found whatever its case,
accents, spacing or separator, every row read with the line it starts on, and a row that cannot be read
reported rather than dropped. What a row must hold is the caller's `check`; what is stored, the caller's too.

No database, no broker: plain functions over bytes and text.

    parsed = parse(text, {"delimiter": ";", "columns": {"ref": ["Ref client"]}}, "edf", check)
"""
import codecs
import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.errors import InvalidRequest

MAX_ROWS = 20_000
# Tried after the layout's own separator: exports change hands (and Excel locales) on their way to a desk.
DELIMITERS = (";", ",", "\t")
# The request's names of encodings (shared/contracts/common.py ENCODINGS, but `auto`) to Python's codecs.
CODECS = {"utf-8": "utf-8-sig", "cp1252": "cp1252", "latin-1": "latin-1", "utf-16": "utf-16"}

# check(line, values, labels) -> (row, errors): `values` maps each of the layout's columns to its cleaned
# text, `labels` to the partner's header(s) to name in a reason; `errors` maps a field to its reasons.
Check = Callable[[int, dict, dict], tuple]


@dataclass
class ParsedFile:
    rows: list = field(default_factory=list)       # good rows, in file order, as `check` made them
    rejected: list = field(default_factory=list)   # {"line": n, "errors": {field: [reason]}}

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.rejected)


# -- bytes to text ------------------------------------------------------------------------------------------
def decode(data: bytes, encoding: str | None, field: str) -> tuple[str, str]:
    """Bytes to text, and the encoding used. `auto` (or None): a BOM decides; else UTF-8 if the bytes are
    valid UTF-8 (text in another encoding almost never is), else Windows-1252, what Excel on a French Windows
    writes. A declared encoding the bytes do not fit is an error on `field`."""
    if encoding in (None, "auto"):
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            try:
                return data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                # cp1252 leaves five bytes undefined; latin-1 reads anything
                for fallback in ("cp1252", "latin-1"):
                    try:
                        return data.decode(fallback), fallback
                    except UnicodeDecodeError:
                        continue
    try:
        return data.decode(CODECS[encoding]).lstrip("\ufeff"), encoding
    except UnicodeDecodeError as exc:
        raise InvalidRequest({field: [
            f"is not {encoding} text (byte {exc.start}): give the file's encoding, or auto"]}) from None


# -- text to rows -------------------------------------------------------------------------------------------
def parse(text: str, layout: dict, format_name: str, check: Check, field: str = "content",
          joiners: dict | None = None) -> ParsedFile:
    """Every row of the file, either good (what `check` made of it) or rejected with its line and reasons.
    `layout`: {"delimiter": ..., "columns": {name: [the partner's headers]}}; several headers are joined into
    one value with `joiners[name]` (default: nothing). A file whose header lacks a column of the layout, an
    empty file or one of more than MAX_ROWS rows is refused whole, as an error on `field`."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InvalidRequest({field: ["the file is empty"]})
    delimiter, positions, width = _header(text, layout, format_name, field)
    labels = labels_of(layout)
    joiners = joiners or {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    parsed, end = ParsedFile(), reader.line_num
    while True:
        line = end + 1  # a quoted value may span lines: a row is reported at the line where it starts
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            parsed.rejected.append({"line": line, "errors": {"_row": [f"unreadable CSV: {exc}"]}})
            continue
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # the empty lines spreadsheets leave at the end are not rows
        if parsed.count >= MAX_ROWS:
            raise InvalidRequest({field: [f"has more than {MAX_ROWS} rows: split the file"]})
        errors = {}
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            errors["_row"] = [f"has {len(cells)} values where the header has {width}: "
                              "is a separator inside an unquoted value?"]
        values = {}
        for name, places in positions.items():
            parts = (clean(cells[i]) if i < len(cells) else "" for _, i in places)
            values[name] = joiners.get(name, "").join(part for part in parts if part)
        row, problems = check(line, values, labels)
        errors.update(problems or {})
        if errors:
            parsed.rejected.append({"line": line, "errors": errors})
        else:
            parsed.rows.append(row)
    return parsed


def _header(text, layout, format_name, field):
    # the first line as the rows will be read: a file from an old Mac ends its lines with \r alone
    first_line = io.StringIO(text, newline="").readline().rstrip("\r\n")
    candidates = [layout["delimiter"]] + [d for d in DELIMITERS if d != layout["delimiter"]]
    wanted = layout["columns"]
    for delimiter in candidates:
        try:
            header = [key(cell) for cell in next(csv.reader([first_line], delimiter=delimiter), [])]
        except csv.Error:
            break  # not a header whatever the separator
        if all(key(column) in header for columns in wanted.values() for column in columns):
            positions = {name: [(column, header.index(key(column))) for column in columns]
                         for name, columns in wanted.items()}
            return delimiter, positions, len(header)
    expected = layout["delimiter"].join(c for columns in wanted.values() for c in columns)
    raise InvalidRequest({field: [
        f"line 1 must be the header of the {format_name} format with at least: {expected}"]})


def labels_of(layout: dict) -> dict:
    """The partner's header(s) of each column, as a reason names them: "Nom + Prénom"."""
    return {name: " + ".join(headers) for name, headers in layout["columns"].items()}


def clean(value: str) -> str:
    """A cell's text with its spaces collapsed, as agents would type it."""
    return " ".join(value.split())


def key(text: str) -> str:
    """How a partner's words compare: without case, accents or extra spaces ('Telephone ' is 'Téléphone')."""
    plain = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).casefold().split())
