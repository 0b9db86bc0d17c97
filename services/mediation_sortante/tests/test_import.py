"""Importing a partner's contact file: the good rows import, every bad row is reported with its line and
reason, the same file twice adds nothing, and the bytes are read whatever encoding the partner's Excel
wrote them in."""
import base64
import codecs
import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.mediation_sortante import contact_file
from services.mediation_sortante.models import Contact
from services.mediation_sortante.tests.support import edf_file, edf_row, open_campaign
from shared.errors import InvalidRequest
from shared.tables import outbox
from tests.kit import count


def load(service, campaign, content=None, raw=None, **extra):
    request = {"campaign_id": campaign["campaign_id"], **extra}
    if raw is not None:
        request["content_base64"] = base64.b64encode(raw).decode()
    else:
        request["content"] = content
    return service.import_contacts(request)


def rejected(report):
    return {row["line"]: sorted(row["errors"]) for row in report["rejected_rows"]}


def test_good_rows_import_and_every_bad_row_is_reported_with_its_line_and_reason(service, storage):
    campaign = open_campaign(service)
    content = edf_file(
        edf_row(1),                                               # line 2
        edf_row(2, phone="04 78 00"),                             # line 3: phone too short
        ";Mme Sans Référence;0612345678;1 rue Villon",            # line 4: no reference
        edf_row(3, name=" "),                                     # line 5: no name
        "12345;M. Court;0612345678;1 rue Villon",                 # line 6: reference is not EDF's
        edf_row(1, name="Le Même Encore"),                        # line 7: reference already on line 2
        "1000000009;M. Injoignable;;",                            # line 8: neither phone nor address
        "",                                                       # line 9: blank, not a contact
        edf_row(4, address="5 rue Laënnec; 69008 Lyon"),          # line 10: an unquoted ';' shifts the columns
        edf_row(5, phone="+33 (0)6 11 22 33 44"),                 # line 11
        edf_row(6, phone="611223355"),                            # line 12: Excel dropped the leading 0
    )
    report = load(service, campaign, content)
    assert (report["rows"], report["imported"], report["rejected"], report["already_imported"]) == (10, 3, 7, 0)
    assert rejected(report) == {3: ["phone"], 4: ["partner_ref"], 5: ["name"], 6: ["partner_ref"],
                                7: ["partner_ref"], 8: ["phone"], 10: ["_row"]}
    reasons = {row["line"]: row["errors"] for row in report["rejected_rows"]}
    assert reasons[6]["partner_ref"] == ["Ref client: must be 10 digits"]
    assert reasons[7]["partner_ref"] == ["Ref client: is already on line 2 of this file"]
    assert reasons[3]["phone"][0].startswith("Téléphone: must be a French phone number")
    contacts = service.list_contacts({"campaign_id": campaign["campaign_id"]})
    assert [(c["line"], c["partner_reference"], c["phone"]) for c in contacts] == [
        (2, "1000000001", "0612340001"), (11, "1000000005", "0611223344"), (12, "1000000006", "0611223355")]
    assert count(storage, outbox) == 1  # importing publishes nothing: contacts are not events


def test_importing_the_same_file_twice_adds_nothing(service, storage):
    campaign = open_campaign(service)
    content = edf_file(edf_row(1), edf_row(2, phone="bad"), edf_row(3))
    first = load(service, campaign, content)
    again = load(service, campaign, content)
    assert (first["imported"], first["already_imported"]) == (2, 0)
    assert (again["imported"], again["already_imported"], again["already_imported_lines"]) == (0, 2, [2, 4])
    assert rejected(again) == rejected(first) == {3: ["phone"]}  # still reported, as a bad row, not a duplicate
    assert count(storage, Contact) == 2


def test_a_corrected_file_adds_only_the_rows_not_yet_imported(service, storage):
    campaign = open_campaign(service)
    load(service, campaign, edf_file(edf_row(1), edf_row(2, phone="bad")))
    report = load(service, campaign, edf_file(edf_row(1), edf_row(2)))
    assert (report["imported"], report["already_imported"], report["rejected"]) == (1, 1, 0)
    assert count(storage, Contact) == 2


def test_the_same_reference_in_two_campaigns_is_two_cases(service, storage):
    first, second = open_campaign(service), open_campaign(service)
    assert load(service, first, edf_file(edf_row(1)))["imported"] == 1
    assert load(service, second, edf_file(edf_row(1)))["imported"] == 1
    assert count(storage, Contact) == 2


FRENCH = edf_file(edf_row(1, name="Mme Hélène Lefèvre", address="3 rue Laënnec, 69008 Lyon"))


@pytest.mark.parametrize("raw, declared, detected", [
    (FRENCH.encode("cp1252"), None, "cp1252"),              # Excel on a French Windows
    (FRENCH.encode("cp1252"), "cp1252", "cp1252"),
    (FRENCH.encode("latin-1"), "latin-1", "latin-1"),
    (FRENCH.encode("utf-8"), None, "utf-8"),
    (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), None, "utf-8"),  # Excel's "CSV UTF-8"
    (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8", "utf-8"),
    (FRENCH.encode("utf-16"), None, "utf-16"),              # Excel's "Unicode text"
])
def test_the_files_bytes_are_read_in_the_encoding_it_was_written_in(service, raw, declared, detected):
    campaign = open_campaign(service)
    report = load(service, campaign, raw=raw, **({"encoding": declared} if declared else {}))
    assert (report["imported"], report["encoding"]) == (1, detected)
    [contact] = service.list_contacts({"campaign_id": campaign["campaign_id"]})
    assert contact["name"] == "Mme Hélène Lefèvre" and contact["address"] == "3 rue Laënnec, 69008 Lyon"


def test_a_declared_encoding_the_bytes_do_not_fit_is_refused(service, storage):
    campaign = open_campaign(service)
    with pytest.raises(InvalidRequest) as exc:
        load(service, campaign, raw=FRENCH.encode("cp1252"), encoding="utf-8")
    assert "content_base64" in exc.value.errors
    assert count(storage, Contact) == 0


def test_a_text_file_with_a_bom_left_in_it_still_reads_its_header(service):
    campaign = open_campaign(service)
    assert load(service, campaign, "\ufeff" + FRENCH)["imported"] == 1


def test_each_partner_has_its_own_layout(service):
    la_poste = open_campaign(service, partner="la_poste")
    report = load(service, la_poste, 'numero_client,nom_complet,telephone,adresse,code_postal,commune,solde\r\n'
                                     'LP00012345,Mme Awa Diallo,0612345678,"12, rue Paul Bert",69003,Lyon,-12.50\r\n'
                                     'LP999,M. Court,0612345678,1 rue Villon,69008,Lyon,0\r\n')
    assert (report["file_format"], report["imported"]) == ("la_poste", 1)
    assert report["rejected_rows"] == [
        {"line": 3, "errors": {"partner_ref": ["numero_client: must be LP and 8 digits"]}}]
    [contact] = service.list_contacts({"campaign_id": la_poste["campaign_id"]})
    assert contact["address"] == "12, rue Paul Bert, 69003, Lyon"
    engie = open_campaign(service, partner="engie")
    report = load(service, engie, "Référence client;Nom;Prénom;Tél. portable;Adresse;Code postal;Ville\n"
                                  "000123456789;NGUYEN;Thi;+33 7 81 22 33 44;4 rue Villon;69008;LYON\n")
    [contact] = service.list_contacts({"campaign_id": engie["campaign_id"]})
    assert (contact["name"], contact["phone"], contact["partner_reference"]) == ("NGUYEN Thi", "0781223344",
                                                                                 "000123456789")


def test_a_partner_without_a_layout_uses_the_networks_template_and_a_caller_may_name_one(service):
    veolia = open_campaign(service, partner="veolia")
    report = load(service, veolia, "reference;nom;telephone;adresse\nV-2026/0042;M. Roux;0478000000;\n")
    assert (report["file_format"], report["imported"]) == ("pimms", 1)
    edf = open_campaign(service)
    report = load(service, edf, "reference;nom;telephone;adresse\nEDF-1;M. Roux;0478000000;\n", file_format="pimms")
    assert report["imported"] == 1


def test_headers_match_whatever_their_case_accents_spacing_or_separator(service):
    campaign = open_campaign(service)
    report = load(service, campaign, "REF CLIENT , NOM,Telephone ,adresse,Montant dû\n"
                                     "1000000001,M. Roux,0478000000,1 rue Villon,120\n")
    assert report["imported"] == 1


def test_columns_the_format_does_not_map_are_never_stored(service, storage):
    campaign = open_campaign(service)
    load(service, campaign, "Ref client;Nom;Téléphone;Adresse;Montant dû;Date de naissance\n"
                            "1000000001;M. Roux;0478000000;1 rue Villon;1234,56;02/03/1951\n")
    with storage.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM contacts") for v in row)
    assert "M. Roux" in stored and "1234" not in stored and "1951" not in stored


@pytest.mark.parametrize("content, reason", [
    ("", "the file is empty"),
    ("Ref client;Nom;Adresse\n1000000001;M. Roux;1 rue Villon\n", "Téléphone"),
    ("1000000001;M. Roux;0478000000;1 rue Villon\n", "line 1 must be the header"),
])
def test_a_file_without_its_header_is_refused_whole(service, storage, content, reason):
    campaign = open_campaign(service)
    with pytest.raises(InvalidRequest) as exc:
        load(service, campaign, content)
    assert reason in str(exc.value.errors["content"])
    assert count(storage, Contact) == 0


def test_a_value_spanning_lines_keeps_the_next_rows_line_numbers_right(service):
    campaign = open_campaign(service)
    report = load(service, campaign, edf_file('1000000001;M. Roux;0478000000;"Bâtiment B\r\n1 rue Villon"',
                                              edf_row(2, phone="bad")))
    assert report["imported"] == 1 and rejected(report) == {4: ["phone"]}
    [contact] = service.list_contacts({"campaign_id": campaign["campaign_id"]})
    assert contact["address"] == "Bâtiment B 1 rue Villon"


@pytest.mark.parametrize("request_, field", [
    ({}, "content"),
    ({"content": edf_file(), "content_base64": "YQ=="}, "content"),
    ({"content_base64": "not base64!"}, "content_base64"),
    ({"content": edf_file(), "encoding": "cp1252"}, "encoding"),
    ({"content_base64": "YQ==", "encoding": "ebcdic"}, "encoding"),
    ({"content": edf_file(), "file_format": "acme"}, "file_format"),
    ({"content": 42}, "content"),
])
def test_a_bad_import_request_names_the_field(service, storage, request_, field):
    campaign = open_campaign(service)
    with pytest.raises(InvalidRequest) as exc:
        service.import_contacts({"campaign_id": campaign["campaign_id"], **request_})
    assert field in exc.value.errors
    assert count(storage, Contact) == 0


# -- the parser alone ---------------------------------------------------------------------------------------
names = st.text(st.characters(codec="cp1252", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=40).filter(lambda s: s.strip())
people = st.lists(st.tuples(st.integers(0, 9_999_999_999), names, st.integers(100_000_000, 999_999_999), names),
                  max_size=15, unique_by=lambda p: p[0])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people)
def test_whatever_excel_writes_in_edfs_layout_reads_back_the_same(rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Ref client", "Nom", "Téléphone", "Adresse"])
    for ref, name, phone, address in rows:
        writer.writerow([f"{ref:010d}", name, f"0{phone}", address])
    text, encoding = contact_file.decode(out.getvalue().encode("cp1252"))
    parsed = contact_file.parse(text, "edf")
    assert parsed.rejected == []
    assert [(r.partner_ref, r.name, r.phone, r.address) for r in parsed.rows] == [
        (f"{ref:010d}", " ".join(name.split()), f"0{phone}", " ".join(address.split()))
        for ref, name, phone, address in rows]


@pytest.mark.parametrize("raw, national", [
    ("06 12 34 56 78", "0612345678"), ("06.12.34.56.78", "0612345678"), ("+33 6 12 34 56 78", "0612345678"),
    ("0033612345678", "0612345678"), ("+33 (0)6 12 34 56 78", "0612345678"), ("612345678", "0612345678"),
    ("0262 12 34 56", "0262123456"), ("+262 692 12 34 56", "0692123456"), ("+33 262 12 34 56", "0262123456"),
    ("06 12 34 56", None), ("+44 20 7946 0958", None),
    ("6,12E+08", None), ("00 12 34 56 78", None),
])
def test_phone_numbers_are_kept_in_the_form_agents_dial(raw, national):
    assert contact_file.normalize_phone(raw) == national
