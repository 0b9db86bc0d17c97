"""Reading any partner's CSV file, whatever its rows mean (médiation sortante's contacts, accueil's referral
answers): line endings of any system, headers matched loosely, a row the caller refuses reported with its
line, and text that is no CSV at all refused as a file without its header rather than crashing."""
import pytest

from shared import partner_files
from shared.contracts.common import ENCODINGS
from shared.errors import InvalidRequest

LAYOUT = {"delimiter": ";", "columns": {"ref": ["Référence"], "name": ["Nom", "Prénom"]}}


def keep(line, values, labels):
    """A caller's check: a row needs its reference."""
    if not values["ref"]:
        return None, {"ref": [f"{labels['ref']}: is required"]}
    return (line, values["ref"], values["name"]), None


def parse(text):
    return partner_files.parse(text, LAYOUT, "test", keep, "file", {"name": " "})


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_rows_keep_their_line_whatever_system_ended_the_lines(newline):
    parsed = parse(newline.join(["REFERENCE;nom ;prenom", "A1;ROUX;Jean", ";Diallo;Awa", "", "B2;Nguyen;"]))
    assert parsed.rows == [(2, "A1", "ROUX Jean"), (5, "B2", "Nguyen")]
    assert parsed.rejected == [{"line": 3, "errors": {"ref": ["Référence: is required"]}}]
    assert parsed.count == 3


@pytest.mark.parametrize("text", ["\r\x00", "x\"y\r\nz", "Nom,Prénom\nA1,Roux\n"])
def test_text_without_the_layout_s_header_is_refused_on_the_file_not_crashed_on(text):
    with pytest.raises(InvalidRequest) as refused:
        parse(text)
    assert refused.value.errors == {"file": ["line 1 must be the header of the test format with at least: "
                                             "Référence;Nom;Prénom"]}


def test_every_encoding_a_request_may_name_is_one_the_files_are_decoded_in():
    assert set(ENCODINGS) == {"auto", *partner_files.CODECS}
