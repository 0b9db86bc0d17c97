"""The JSON API of follow-ups (suivis) and referrals (mises en relation): routes of GatewayService, kept in a
mixin of their own so that service.py stays the sessions, the desk, the citizen's record and the figures.
Each route only delegates (desk_work.py); accueil decides and checks the desks from the signed account."""
from services.gateway import desk_work
from services.gateway.access import STAFF
from services.gateway.schemas import (
    AnswersImportReport,
    CaseChange,
    CasesQuery,
    CaseView,
    DeskAnswersImport,
    DeskCaseRequest,
    DeskReferralRequest,
    ReferralChange,
    ReferralsQuery,
    ReferralView,
)
from services.gateway.web import IDEMPOTENCY_HEADER, api, request_json


class FollowUpRoutes:
    """Needs the service's backends (and what `api` needs: db, tokens, vouch, metrics)."""

    @api("GET", "/api/cases", summary="A desk's follow-ups (suivis); with due_by, those to call back that day",
         tag="suivis", roles=STAFF, query=CasesQuery, response=CaseView, many=True)
    def api_list_cases(self, request, principal):
        return desk_work.list_cases(self.backends.accueil, principal, request.args.to_dict())

    @api("POST", "/api/cases", summary="Open a follow-up from a visit or a person's record (named: with their "
         "consent to follow_up; anonymous: a reference for their slip)", tag="suivis", roles=STAFF,
         body=DeskCaseRequest, response=CaseView, status=201, errors=(400, 401, 403, 404, 503))
    def api_open_case(self, request, principal):
        return desk_work.open_case(self.backends.accueil, principal, request_json(request),
                                   request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/cases/<string:case_id>", summary="A follow-up of one of your desks, with its referrals",
         tag="suivis", roles=STAFF, response=CaseView)
    def api_get_case(self, request, principal, case_id):
        return self.backends.accueil.get_case(case_id)

    @api("PATCH", "/api/cases/<string:case_id>", summary="Move a follow-up on (next action, due date, owner, "
         "status) or close it with its outcome", tag="suivis", roles=STAFF, body=CaseChange, response=CaseView,
         errors=(400, 401, 403, 404, 409, 413, 503))
    def api_update_case(self, request, principal, case_id):
        return desk_work.update_case(self.backends.accueil, principal, case_id, request_json(request),
                                     request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/referrals", summary="A desk's referrals to partners; with unanswered_since, those still "
         "waiting for an answer", tag="suivis", roles=STAFF, query=ReferralsQuery, response=ReferralView,
         many=True)
    def api_list_referrals(self, request, principal):
        return desk_work.list_referrals(self.backends.accueil, principal, request.args.to_dict())

    @api("POST", "/api/referrals", summary="Refer a visit's question to a partner with a convention (the "
         "person's identity only with their consent to partner_transmission)", tag="suivis", roles=STAFF,
         body=DeskReferralRequest, response=ReferralView, status=201, errors=(400, 401, 403, 404, 409, 422, 503))
    def api_send_referral(self, request, principal):
        return desk_work.send_referral(self.backends.accueil, principal, request_json(request),
                                       request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/referrals/answers", summary="Import a partner's answers file (its own CSV layout, base64): "
         "each good row answers its referral, each bad one is reported with its line", tag="suivis", roles=STAFF,
         body=DeskAnswersImport, response=AnswersImportReport, errors=(400, 401, 403, 503))
    def api_import_answers(self, request, principal):
        return desk_work.import_answers(self.backends.accueil, principal, request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("PATCH", "/api/referrals/<string:referral_id>", summary="The partner acknowledged or answered a "
         "referral (resolved, refused with a reason, redirected)", tag="suivis", roles=STAFF, body=ReferralChange,
         response=ReferralView, errors=(400, 401, 403, 404, 409, 413, 503))
    def api_progress_referral(self, request, principal, referral_id):
        return desk_work.progress_referral(self.backends.accueil, principal, referral_id, request_json(request),
                                           request.headers.get(IDEMPOTENCY_HEADER))
