"""Partners' contact files: each partner's CSV layout as data, and what makes a row good. Pure functions: the
caller decides what to store. Decoding the bytes and reading the rows is every partner file's
(shared/partner_files.py).

Only the mapped columns are read; whatever else a partner puts in its export (amounts owed, contract
details...) is never stored."""
import re
from dataclasses import dataclass

from shared import partner_files
from shared.contracts.mediation_sortante import ENCODINGS, FILE_FORMATS, MAX_FILE_CHARS  # noqa: F401

JOINERS = {"name": " ", "address": ", "}

PHONE_RULE = "must be a French phone number: 10 digits, or +33 (or +262, +590, +594, +596) and 9 digits"


@dataclass(frozen=True)
class Row:
    line: int
    partner_ref: str
    name: str
    phone: str | None
    address: str | None


def file_format_for(partner):
    return partner if partner in FILE_FORMATS else "pimms"


def decode(data, encoding="auto"):
    """Bytes to text, and the encoding used (shared/partner_files.py); an error names `content_base64`."""
    return partner_files.decode(data, encoding, "content_base64")


def parse(text, format_name, field="content"):
    """Every row of the file, either good (normalised) or rejected with its line and reasons. A file whose
    header lacks a column of the format is refused whole, as an error on `field`."""
    fmt, seen = FILE_FORMATS[format_name], {}
    return partner_files.parse(text, fmt, format_name, lambda line, values, labels: _row(
        line, values, labels, fmt, seen), field, JOINERS)


def _row(line, values, columns, fmt, seen):
    errors = {}

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
