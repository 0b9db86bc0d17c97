"""Partners' contact files: each partner's CSV layout as data, how the bytes are decoded, and what makes a
row good. Pure functions: the caller decides what to store.

Only the mapped columns are read; whatever else a partner puts in its export (amounts owed, contract
details...) is never stored."""
import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from shared.contracts.mediation_sortante import ENCODINGS, FILE_FORMATS, MAX_FILE_CHARS  # noqa: F401
from shared.errors import InvalidRequest

MAX_ROWS = 20_000

JOINERS = {"name": " ", "address": ", "}
# Tried after the format's own separator: exports change hands (and Excel locales) on their way to a desk.
DELIMITERS = (";", ",", "\t")

CODECS = {"utf-8": "utf-8-sig", "cp1252": "cp1252", "latin-1": "latin-1", "utf-16": "utf-16"}

PHONE_RULE = "must be a French phone number: 10 digits, or +33 (or +262, +590, +594, +596) and 9 digits"


@dataclass(frozen=True)
class Row:
    line: int
    partner_ref: str
    name: str
    phone: str | None
    address: str | None


@dataclass
class ParsedFile:
    rows: list = field(default_factory=list)       # good rows, in file order
    rejected: list = field(default_factory=list)   # {"line": n, "errors": {field: [reason]}}

    @property
    def count(self):
        return len(self.rows) + len(self.rejected)


def file_format_for(partner):
    return partner if partner in FILE_FORMATS else "pimms"


# -- bytes to text ------------------------------------------------------------------------------------------
def decode(data, encoding="auto"):
    """Bytes to text, and the encoding used. `auto`: a BOM decides; else UTF-8 if the bytes are valid UTF-8
    (text in another encoding almost never is), else Windows-1252, what Excel on a French Windows writes."""
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
        raise InvalidRequest({"content_base64": [
            f"is not {encoding} text (byte {exc.start}): give the file's encoding, or auto"]}) from None


# -- text to rows -------------------------------------------------------------------------------------------
def parse(text, format_name, field="content"):
    """Every row of the file, either good (normalised) or rejected with its line and reasons. A file whose
    header lacks a column of the format is refused whole, as an error on `field`."""
    fmt = FILE_FORMATS[format_name]
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InvalidRequest({field: ["the file is empty"]})
    delimiter, positions, width = _header(text, fmt, format_name, field)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    parsed, seen, end = ParsedFile(), {}, reader.line_num
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
            continue  # the empty lines spreadsheets leave at the end are not contacts
        if parsed.count >= MAX_ROWS:
            raise InvalidRequest({field: [f"has more than {MAX_ROWS} rows: split the file"]})
        row, errors = _row(line, cells, width, positions, fmt, seen)
        if errors:
            parsed.rejected.append({"line": line, "errors": errors})
        else:
            parsed.rows.append(row)
    return parsed


def _header(text, fmt, format_name, field):
    first_line = text.split("\n", 1)[0].rstrip("\r")
    candidates = [fmt["delimiter"]] + [d for d in DELIMITERS if d != fmt["delimiter"]]
    for delimiter in candidates:
        header = [_key(cell) for cell in next(csv.reader([first_line], delimiter=delimiter))]
        wanted = fmt["columns"]
        if all(_key(column) in header for columns in wanted.values() for column in columns):
            positions = {name: [(column, header.index(_key(column))) for column in columns]
                         for name, columns in wanted.items()}
            return delimiter, positions, len(header)
    expected = fmt["delimiter"].join(c for columns in fmt["columns"].values() for c in columns)
    raise InvalidRequest({field: [
        f"line 1 must be the header of the {format_name} format with at least: {expected}"]})


def _row(line, cells, width, positions, fmt, seen):
    errors = {}
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        errors["_row"] = [f"has {len(cells)} values where the header has {width}: "
                          "is a separator inside an unquoted value?"]
    values, columns = {}, {}
    for name, places in positions.items():
        parts = [_clean(cells[i]) if i < len(cells) else "" for _, i in places]
        values[name] = JOINERS.get(name, "").join(part for part in parts if part)
        columns[name] = " + ".join(column for column, _ in places)

    def reject(name, reason):
        errors.setdefault(name, []).append(f"{columns[name]}: {reason}")

    ref = values["partner_ref"].replace(" ", "")
    if not ref:
        reject("partner_ref", "is required")
    elif not re.fullmatch(fmt["reference"], ref):
        reject("partner_ref", f"must be {fmt['reference_rule']}")
    elif ref in seen:
        reject("partner_ref", f"is already on line {seen[ref]} of this file")
    else:
        seen[ref] = line
    name = values["name"]
    if not name:
        reject("name", "is required")
    elif len(name) > 100:
        reject("name", "must be at most 100 characters")
    phone = None
    if values["phone"]:
        phone = normalize_phone(values["phone"])
        if phone is None:
            reject("phone", PHONE_RULE)
    address = values["address"] or None
    if address is not None and len(address) > 300:
        reject("address", "must be at most 300 characters")
    if not values["phone"] and address is None:
        reject("phone", "a contact needs a phone number or an address to be reached")
    if errors:
        return None, errors
    return Row(line=line, partner_ref=ref, name=name, phone=phone, address=address), None


def normalize_phone(raw):
    """A French number in national form (0612345678, as agents dial it), or None if it is not one.
    Excel drops the leading 0 of a number it took for an integer: 9 digits are read as that number."""
    digits = re.sub(r"[\s.\-()/]", "", raw)
    international = re.fullmatch(r"(?:\+|00)(?:33|262|590|594|596)0?([1-9][0-9]{8})", digits)
    if international:
        return "0" + international.group(1)
    if re.fullmatch(r"[1-9][0-9]{8}", digits):
        digits = "0" + digits
    return digits if re.fullmatch(r"0[1-9][0-9]{8}", digits) else None


def _clean(value):
    return " ".join(value.split())


def _key(header):
    """Headers compare without case, accents or extra spaces: 'Telephone ' is 'Téléphone'."""
    plain = unicodedata.normalize("NFKD", header.replace("\ufeff", ""))
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).casefold().split())
