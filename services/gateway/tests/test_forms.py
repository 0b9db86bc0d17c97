"""The desk page's forms: what an agent types becomes accueil's requests, or French messages naming each
field, before anything is sent."""
import pytest
from werkzeug.datastructures import MultiDict

from services.gateway import forms


def visit_form(**fields):
    base = {"motif": "partenaire:edf", "acts": ["explanation", "referral"], "registres": ["understanding"],
            "outcome": "resolved", "duration_min": "20", "action": "record"}
    base.update(fields)
    return MultiDict([(k, v) for k, values in base.items() if values is not None
                      for v in (values if isinstance(values, list) else [values])])


def test_a_finished_visit_is_one_request_to_record_it_as_it_ends_with_no_instant_of_its_own():
    kind, request = forms.visit_request(visit_form())
    assert kind == "record"
    assert request["motif"] == {"kind": "partenaire", "partner": "edf"}
    assert request["acts"] == [{"kind": "explanation"}, {"kind": "referral"}]
    assert request["participants"] == [{}]  # one anonymous person
    assert request["registres"] == ["understanding"] and request["duration_min"] == 20
    # no clock reading: the same form sent twice is the same request (its key then makes it count once)
    assert "opened_at" not in request and "closed_at" not in request
    assert forms.visit_request(visit_form()) == (kind, request)


def test_a_visit_in_progress_needs_only_its_motif():
    kind, request = forms.visit_request(visit_form(acts=None, registres=None, duration_min=None, action="open",
                                                   motif="generaliste:housing"))
    assert kind == "open" and request["motif"] == {"kind": "generaliste", "domain": "housing"}
    assert "registres" not in request


@pytest.mark.parametrize("fields, message", [
    ({"motif": ""}, "Motif : à renseigner"),
    ({"acts": None}, "Actes de médiation : cochez au moins un acte pour une visite terminée"),
    ({"registres": None}, "Registres : choisissez-en au moins un"),
    ({"duration_min": ""}, "Durée : indiquez la durée d'une visite terminée"),
    ({"duration_min": "900"}, "Durée : entre 0 et 600 minutes"),
    ({"motif": "partenaire:acme"}, "Partenaire : valeur inconnue"),
    ({"last_name": "Diallo", "first_name": "Awa"}, "Consentement : cochez le consentement de la personne"),
])
def test_a_form_with_a_mistake_names_the_field_in_french(fields, message):
    with pytest.raises(forms.FormErrors) as exc:
        forms.visit_request(visit_form(**fields))
    assert message in exc.value.lines


def test_a_named_person_with_consent_or_a_known_record_is_passed_on():
    _, request = forms.visit_request(visit_form(first_name="Awa", last_name="Diallo", consent="oui"))
    citizen = request["participants"][0]["citizen"]
    assert (citizen["first_name"], citizen["consent"]["channel"]) == ("Awa", "oral")
    assert "given_at" not in citizen["consent"]  # accueil records it as the visit is recorded
    _, request = forms.visit_request(visit_form(citizen_id="12"))
    assert request["participants"][0] == {"citizen": {"citizen_id": 12}}


def test_a_workshop_form_becomes_accueil_s_request():
    form = MultiDict([("theme", "digital"), ("held_on", "2026-11-20"), ("attendees", "8"), ("duration_min", "90"),
                      ("registres", "collective"), ("registres", "inform")])
    assert forms.workshop_request(form, "lyon-8") == {
        "pimms_id": "lyon-8", "theme": "digital", "held_on": "2026-11-20", "attendees": 8, "duration_min": 90,
        "registres": ["collective", "inform"]}
    with pytest.raises(forms.FormErrors) as exc:
        forms.workshop_request(MultiDict([("theme", "digital")]), "lyon-8")
    assert {"Date : à renseigner", "Participants : à renseigner"} <= set(exc.value.lines)
