"""Accueil's follow-ups (suivis) and referrals (mises en relation) over RPC: the entrypoints of AccueilService
that keep the thread of a procedure across visits (case_store.py does the work). A mixin of the service, so
that service.py stays the visits and the citizen's record."""
from services.accueil import case_store, metrics
from services.accueil.case_views import case_view, referral_view
from shared.contracts.accueil_cases import (
    GetCaseRequest,
    ImportReferralAnswersRequest,
    ListCasesRequest,
    ListReferralsRequest,
    OpenCaseRequest,
    ReferralProgressRequest,
    SendReferralRequest,
    UpdateCaseRequest,
)
from shared.db import utcnow
from shared.errors import parse_request
from shared.rpc import rpc


class FollowUps:
    """Needs the service's db, caller, metrics, contract and _zone."""

    @rpc
    def open_case(self, request):
        """A follow-up opened from a visit or a person's record: publishes accueil.case_opened, once."""
        reader = self.caller.staff()
        return self.db.once("open_case", request, OpenCaseRequest, lambda uow, req: case_view(
            case_store.open_case(uow, req, utcnow(), self._zone(), reader)))

    @rpc
    def update_case(self, request):
        """Move a follow-up on or close it (publishes accueil.case_closed, once)."""
        reader = self.caller.staff()
        return self.db.once("update_case", request, UpdateCaseRequest, lambda uow, req: self._case_view(
            uow, case_store.update_case(uow, req, utcnow(), self._zone(), reader)))

    @rpc
    def get_case(self, case_id):
        req = parse_request(GetCaseRequest, {"case_id": case_id})
        with self.db.unit_of_work() as uow:
            return self._case_view(uow, case_store.get_case(uow.session, req["case_id"], self.caller.staff()))

    @rpc
    def list_cases(self, request):
        """A desk's follow-ups; with `due_by`, those to call back that day."""
        req = parse_request(ListCasesRequest, request)
        with self.db.unit_of_work() as uow:
            return [case_view(c) for c in case_store.list_cases(uow.session, req, self.caller.staff(), self._zone(),
                                                                utcnow())]

    @rpc
    def send_referral(self, request):
        """A referral from a visit to a partner with a convention: publishes accueil.referral_sent, once."""
        reader = self.caller.staff()
        return self.db.once("send_referral", request, SendReferralRequest, lambda uow, req: referral_view(
            case_store.send_referral(uow, req, utcnow(), self._zone(), self.contract(uow), reader)))

    @rpc
    def progress_referral(self, request):
        """The partner acknowledged or answered (publishes accueil.referral_answered, once)."""
        reader = self.caller.staff()
        return self.db.once("progress_referral", request, ReferralProgressRequest, lambda uow, req: referral_view(
            case_store.progress_referral(uow, req, utcnow(), self._zone(), reader)))

    @rpc
    def import_referral_answers(self, request):
        """A partner's answers file (`pimms_id, partner, file` in base64): its good rows acknowledge or answer
        the desk's referrals as progress_referral does, its bad rows are reported (line, field, message)."""
        reader = self.caller.staff()
        report = self.db.once("import_referral_answers", request, ImportReferralAnswersRequest, lambda uow, req:
                              case_store.import_referral_answers(uow, req, utcnow(), self._zone(), reader))
        if not self.db.replayed:
            for result in ("applied", "unchanged", "rejected"):
                self.metrics[metrics.REFERRAL_ANSWER_ROWS].labels(report["partner"], result).inc(report[result])
        return report

    @rpc
    def list_referrals(self, request):
        req = parse_request(ListReferralsRequest, request)
        with self.db.unit_of_work() as uow:
            return [referral_view(r) for r in case_store.list_referrals(uow.session, req, self.caller.staff(),
                                                                        self._zone())]

    @staticmethod
    def _case_view(uow, case):
        return case_view(case, case_store.referrals_of(uow.session, case.id))
