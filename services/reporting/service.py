"""The reporting service: figures per desk, association and network, per month and year, from events alone.

An association's reporting (`HEAD_OFFICE: false`) folds its activity events and, at each month's close,
publishes its suppressed figures as `reporting.period_closed`. Head office's (`HEAD_OFFICE: true`) keeps the
latest revision of every association's figures and sums them into the national view. Over RPC."""
import datetime as dt
from pathlib import Path

from nameko.dependency_providers import Config

from services.reporting import metrics, periods, reading, rendering, store
from services.reporting.entrypoints import HEAD_OFFICE, handle_event, handle_event_batch, head_office, timer
from shared import localtime
from shared.contracts.reporting import (
    AnnualReportRequest,
    ClosePeriodRequest,
    ExportRequest,
    FiguresMonthsRequest,
    FiguresRequest,
    PcbReportRequest,
)
from shared.db import ALREADY_APPLIED, utcnow
from shared.dependencies import Database
from shared.errors import Conflict, NotFound, invalid, parse_request
from shared.metrics import Metrics
from shared.rpc import rpc
from shared.service import PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class ReportingService(PlatformService):
    """ping, /health and /metrics come from PlatformService; the HTTP port serves nothing else: figures are read
    through the gateway (staff, exact when allowed) or over RPC."""

    name = "reporting"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()

    # -- events of the association's activity (one line per event type; the fold is in projectors.py) ---------
    @handle_event_batch("accueil.visit_closed")
    def on_visit_closed(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.workshop_held")
    def on_workshop_held(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.case_opened")
    def on_case_opened(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.case_closed")
    def on_case_closed(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.referral_sent")
    def on_referral_sent(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.referral_answered")
    def on_referral_answered(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.budget_dossier_opened")
    def on_budget_dossier_opened(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.budget_dossier_closed")
    def on_budget_dossier_closed(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.overindebtedness_stage")
    def on_overindebtedness_stage(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.ticket_served")
    def on_ticket_served(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.ticket_left")
    def on_ticket_left(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.appointment_booked")
    def on_appointment_booked(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.appointment_cancelled")
    def on_appointment_cancelled(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.appointment_kept")
    def on_appointment_kept(self, events):
        return self._apply(events)

    @handle_event_batch("accueil.appointment_missed")
    def on_appointment_missed(self, events):
        return self._apply(events)

    @handle_event_batch("formation.agent_hired")
    def on_agent_hired(self, events):
        return self._apply(events)

    @handle_event_batch("formation.agent_exited")
    def on_agent_exited(self, events):
        return self._apply(events)

    @handle_event_batch("formation.work_time_logged")
    def on_work_time_logged(self, events):
        return self._apply(events)

    @handle_event_batch("formation.training_logged")
    def on_training_logged(self, events):
        return self._apply(events)

    @handle_event_batch("mediation_sortante.campaign_opened")
    def on_campaign_opened(self, events):
        return self._apply(events)

    @handle_event_batch("mediation_sortante.contact_attempted")
    def on_contact_attempted(self, events):
        return self._apply(events)

    @handle_event_batch("mediation_sortante.case_resolved")
    def on_case_resolved(self, events):
        return self._apply(events)

    @handle_event_batch("mediation_sortante.campaign_closed")
    def on_campaign_closed(self, events):
        return self._apply(events)

    # -- head office: every association's closed periods --------------------------------------------------------
    @handle_event("reporting.period_closed", mode=HEAD_OFFICE)
    def on_period_closed(self, event):
        result = self.db.apply_once(event, lambda uow, e: periods.receive_period(uow, e, utcnow()))
        if result is not ALREADY_APPLIED:
            self.metrics[metrics.PERIODS_RECEIVED].labels(result).inc()
        return result

    # -- month close --------------------------------------------------------------------------------------------
    @timer("CLOSE_CHECK_INTERVAL", 3600)
    def close_due_months(self):
        """Closes last month once it is over (and CLOSE_AFTER_HOURS into this one, for late deliveries),
        and re-closes every past month that received events since it was closed."""
        if head_office(self.config):
            return []
        now = utcnow()
        with self.db.unit_of_work() as uow:
            months = periods.months_due(uow.session, now, self._grace(), self.config["ASSOCIATION_ID"], self._zone())
        return [self._close(month, now) for month in months]

    @rpc
    def close_period(self, period):
        req = parse_request(ClosePeriodRequest, {"period": period})
        if head_office(self.config):
            raise Conflict("head office does not close periods: it receives the associations' closed periods")
        return self._close(req["period"], utcnow())

    # -- figures ------------------------------------------------------------------------------------------------
    @rpc
    def figures(self, scope, id=None, period=None, exact=False):
        return self._figures(_given(scope=scope, id=id, period=period, exact=exact))

    @rpc
    def figures_months(self, scope, id=None, year=None, months=None, exact=False):
        """`figures` of several months of a year, in one call and one transaction: [row or None], in the
        order asked; None for a month of which there are no figures (what `figures` answers NotFound)."""
        return self._figures_months(_given(scope=scope, id=id, year=year, months=months, exact=exact))

    @rpc
    def export(self, scope, id=None, period=None, format="json"):
        return self._export(_given(scope=scope, id=id, period=period, format=format))

    @rpc
    def annual_report(self, year, scope="network", id=None):
        return self._annual_report(_given(year=year, scope=scope, id=id))

    @rpc
    def pcb_report(self, year, scope="network", id=None, format="json"):
        return self._pcb_report(_given(year=year, scope=scope, id=id, format=format))

    @rpc
    def rebuild(self):
        with self.db.unit_of_work() as uow:
            applied, seconds = store.rebuild(uow.session, zone=self._zone())
        self.metrics[metrics.REBUILD_DURATION].observe(seconds)
        return {"events": applied, "seconds": round(seconds, 3)}

    @rpc
    def status(self):
        with self.db.unit_of_work() as uow:
            state = reading.status(uow.session)
        return {"mode": HEAD_OFFICE if head_office(self.config) else "association",
                "association_id": self.config["ASSOCIATION_ID"], "threshold": self._threshold(), **state}

    def read_gauges(self):
        if not head_office(self.config):  # head office receives months, it owes none
            with self.db.unit_of_work() as uow:
                month = periods.last_month_sent(uow.session, self.config["ASSOCIATION_ID"])
            self.metrics[metrics.LAST_MONTH_SENT].set(0 if month is None else periods.month_number(month))
        super().read_gauges()

    # -- the work behind the entrypoints -------------------------------------------------------------------------
    def _apply(self, events):
        """A batch of one event type, in one transaction; each event is applied once (apply_batch)."""
        result = self.db.apply_batch(
            events, lambda uow, new: store.apply_events(uow, new, utcnow(), self._zone()), journal=store.stored_ids)
        applied, _ = result
        if applied:
            self.metrics[metrics.EVENTS_APPLIED].labels(events[0].type).inc(applied)
        return result  # as it is: it tells the consumer's log lines which events were new

    def _close(self, month, now):
        with self.db.unit_of_work() as uow:
            published = periods.close_month(uow, month, now, self._threshold(), self.config["ASSOCIATION_ID"],
                                            self._zone())
        closed = self.metrics[metrics.PERIODS_CLOSED]
        for _, period, revision in published:
            closed.labels("month" if len(period) == 7 else "year", "first" if revision == 1 else "revised").inc()
        return {"month": month, "published": [
            {"association_id": a, "period": period, "revision": revision} for a, period, revision in published]}

    def _table(self, req, exact=False, below=True):
        with self.db.unit_of_work() as uow:
            return self._table_in(uow.session, req, exact, below)

    def _table_in(self, session, req, exact, below, known=None, received=None):
        table, key = reading.table_for(
            session, req, head_office=head_office(self.config), exact=exact, below=below, known=known,
            received=received, own_association=self.config["ASSOCIATION_ID"], threshold=self._threshold())
        revision = (table.revisions.get(key) if head_office(self.config) or key == reading.NETWORK
                    else reading.published_revision(session, key[1], req["period"]))
        return table, key, revision

    def _exact_allowed(self, req):
        if req["exact"] and not self.config.get("ALLOW_EXACT_FIGURES"):
            raise invalid("exact", "exact figures are disabled here (ALLOW_EXACT_FIGURES); what leaves the "
                                   "association is suppressed")

    def _row(self, table, key, revision, exact):
        return {**rendering.render(table, key, self._threshold()), "exact": exact, "revision": revision}

    def _figures(self, request):
        req = parse_request(FiguresRequest, request)
        self._exact_allowed(req)
        table, key, revision = self._table(req, exact=req["exact"], below=False)  # one row is rendered
        return self._row(table, key, revision, req["exact"])

    def _figures_months(self, request):
        req = parse_request(FiguresMonthsRequest, request)
        self._exact_allowed(req)
        rows = []
        with self.db.unit_of_work() as uow:
            try:  # the scope's association, once for the months (a desk's: a query each time otherwise)
                known = reading.scope_association(uow.session, req, head_office(self.config),
                                                  self.config["ASSOCIATION_ID"])
            except NotFound:
                return [None] * len(req["months"])
            periods_read = [f"{req['year']:04d}-{month:02d}" for month in req["months"]]
            received = None
            if head_office(self.config):  # the months' rows in one statement
                received = reading.received_rows(uow.session, periods_read, known,
                                                 *reading.received_selection(req, below=False))
            for period in periods_read:
                try:
                    table, key, revision = self._table_in(uow.session, {**req, "period": period}, req["exact"],
                                                          below=False, known=known, received=received)
                except NotFound:
                    rows.append(None)
                    continue
                rows.append(self._row(table, key, revision, req["exact"]))
        return rows

    def _export(self, request):
        req = parse_request(ExportRequest, request)
        table, key, _ = self._table(req)
        rows = [rendering.render(table, k, self._threshold()) for k in reading.export_keys(table, key)]
        if req["format"] == "csv":
            return rendering.to_csv(rows)
        return {"period": req["period"], "columns": list(rendering.CSV_HEADER), "rows": rows}

    def _annual_report(self, request):
        req = parse_request(AnnualReportRequest, request)
        table, key, _ = self._table({**req, "period": f"{req['year']:04d}"})
        return rendering.annual_report(rendering.render(table, key, self._threshold()))

    def _pcb_report(self, request):
        req = parse_request(PcbReportRequest, request)
        table, key, _ = self._table({**req, "period": f"{req['year']:04d}"})
        rows = [rendering.pcb_row(rendering.render(table, k, self._threshold())) for k in reading.pcb_keys(table, key)]
        if req["format"] == "csv":
            return rendering.pcb_csv(rows)
        return {"year": req["year"], "columns": list(rendering.PCB_COLUMNS), "rows": rows}

    def _threshold(self):
        threshold = int(self.config.get("SUPPRESSION_THRESHOLD", 5))
        if not 1 <= threshold <= 100:  # 0 would publish every small count: refuse to run on it
            raise ValueError(f"SUPPRESSION_THRESHOLD must be between 1 and 100, not {threshold}")
        return threshold

    def _zone(self):
        return localtime.zone_of(self.config)

    def _grace(self):
        return dt.timedelta(hours=float(self.config.get("CLOSE_AFTER_HOURS", 6)))


def _given(**args):
    """RPC arguments as a request: absent ones are left out, so the schema names what is missing."""
    return {name: value for name, value in args.items() if value is not None}
