"""A follow-up's page, opened from the desk's « Suivis à relancer »: what it is about, its visits and
referrals, and one form to move it on (next action, due date, what it waits for) or close it with its
outcome. A refused form comes back with its reasons in French."""
from services.gateway import forms, labels
from services.gateway.html import FORM_KEY, render
from services.gateway.web import redirect, request_key
from shared.contracts.accueil_cases import CASE_OUTCOMES, REFERRAL_ANSWERS
from shared.errors import Conflict, InvalidRequest


def show(accueil, tokens, principal, case_id, errors=None, status=200):
    case = accueil.get_case(case_id)
    person = (f"fiche n° {case['citizen_id']}" if case["citizen_id"]
              else f"anonyme, référence {case['reference'] or '—'} (sur son ticket)")
    referrals = [{"partner": labels.PARTNERS.get(r["partner"], r["partner"]), "asked": r["asked"] or "—",
                  "status": REFERRAL_ANSWERS.get(r["answer"]) or {"sent": "envoyée", "acknowledged": "reçue"}.get(
                      r["status"], r["status"]), "sent": r["sent_at"][:10]} for r in case["referrals"]]
    return render("case.html", f"Suivi : {labels.motif_label(case['motif'])}", principal, tokens, status=status,
                  errors=errors, case=case, person=person, referrals=referrals,
                  due=labels.local_date_label(case["due_on"]), status_label=labels.CASE_STATUSES[case["status"]],
                  statuses=[(k, v) for k, v in labels.CASE_STATUSES.items() if k != "closed"],
                  outcomes=list(CASE_OUTCOMES.items()), closed=case["status"] == "closed",
                  citizen_link=f"/citizens/{case['citizen_id']}" if case["citizen_id"] else None)


def post(accueil, tokens, principal, case_id, form):
    try:
        change = forms.case_change(form)
        accueil.update_case({**change, "case_id": case_id, "idempotency_key": request_key(principal,
                                                                                          form.get(FORM_KEY))})
    except forms.FormErrors as exc:
        return show(accueil, tokens, principal, case_id, errors=exc.lines, status=400)
    except InvalidRequest as exc:
        return show(accueil, tokens, principal, case_id, errors=forms.french(exc.errors), status=400)
    except Conflict as exc:
        return show(accueil, tokens, principal, case_id, errors=[f"Impossible : {exc}"], status=409)
    return redirect("/desk?fait=suivi")
