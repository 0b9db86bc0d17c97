"""The national figures, end to end: an association's accueil and reporting on the association's broker,
head office's reporting on its own (two vhosts of the local RabbitMQ), linked by the Shovel topology of
deploy/topology. The association closes its month, the figures travel up, and head office's national view
takes the latest revision of them: a re-closed month replaces the first one, never adds to it."""
import datetime as dt

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from deploy.topology import setup_shovels
from deploy.topology.setup_shovels import Broker
from services.accueil.service import AccueilService
from services.reporting.service import ReportingService
from shared.errors import NotFound
from tests.helpers import wait_for

NOW = dt.datetime.now(dt.timezone.utc)
MONTH = f"{NOW.year:04d}-{NOW.month:02d}"


@pytest.fixture
def association_config(vhost_pipeline, rabbit_config):
    """A second vhost standing for the association's own broker, deleted (with its shovels) after the test."""
    with vhost_pipeline.get() as vhost:
        yield {"AMQP_URI": rabbit_config["AMQP_URI"].rsplit("/", 1)[0] + "/" + vhost, "vhost": vhost}


@pytest.fixture
def linked(association_config, rabbit_config, pytestconfig):
    api = pytestconfig.getoption("RABBIT_API_URI")
    associations = {"pimms-lyon": Broker(association_config["AMQP_URI"], api)}
    setup_shovels.setup(Broker(rabbit_config["AMQP_URI"], api), associations)
    setup_shovels.wait_running(associations, timeout=20)


def close_visits(accueil, n, partner="edf"):
    for _ in range(n):
        visit = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "agent-1",
                                    "motif": {"kind": "partenaire", "partner": partner}})
        accueil.add_act({"visit_id": visit["visit_id"], "kind": "explanation"})
        accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "resolved"})


def test_head_office_builds_the_national_figures_from_the_associations_closed_months(
        association_config, container_factory, service_config, rabbit_config, tmp_path, linked):
    on_association = {"AMQP_URI": association_config["AMQP_URI"], "ASSOCIATION_ID": "pimms-lyon"}
    container_factory(AccueilService, service_config("accueil", CONTRACT_ENFORCEMENT=False,
                                                     **on_association)).start()
    container_factory(ReportingService, service_config(
        "reporting", DB_URL=f"sqlite:///{tmp_path}/association-reporting.db", **on_association)).start()
    container_factory(ReportingService, service_config(
        "reporting", DB_URL=f"sqlite:///{tmp_path}/head-office-reporting.db", HEAD_OFFICE=True,
        ASSOCIATION_ID="union-nationale")).start()

    with ServiceRpcProxy("accueil", association_config) as accueil, \
            ServiceRpcProxy("reporting", association_config) as association, \
            ServiceRpcProxy("reporting", rabbit_config) as head_office:
        # given the association's desk closes 8 visits, and its reporting counted them
        close_visits(accueil, 8)
        wait_for(lambda: association.status()["events_applied"].get("accueil.visit_closed") == 8,
                 message="8 visits counted at the association")
        # when the association closes the month
        association.close_period(MONTH)
        # then head office receives it through the shovel and reports it nationally
        national = wait_for(lambda: (f := head_office.figures("network", None, MONTH))["figures"]["visits"]["total"]
                            == 8 and f, message="the month received at head office", ignoring=NotFound)
        assert national["figures"]["associations"] == 1 and national["figures"]["desks"] == 1
        assert head_office.figures("desk", "lyon-8", MONTH)["figures"]["acts"]["total"] == 8

        # when 3 more visits come and the month is closed again
        close_visits(accueil, 3, partner="sncf")
        wait_for(lambda: association.status()["events_applied"].get("accueil.visit_closed") == 11,
                 message="11 visits counted at the association")
        assert [p["revision"] for p in association.close_period(MONTH)["published"]] == [2, 2]
        # then head office replaces revision 1 with revision 2: 11 visits, not 19
        wait_for(lambda: head_office.figures("association", "pimms-lyon", MONTH)["revision"] == 2,
                 message="revision 2 at head office")
        national = head_office.figures("network", None, MONTH)
        assert national["figures"]["visits"]["total"] == 11
        assert national["figures"]["visits"]["by_partner"]["sncf"] is None  # 3 visits: suppressed at the source
        assert head_office.annual_report(NOW.year)["visits"] == 11
        # and head office's reporting counted no raw activity, though visits travel up for franchise
        assert head_office.status()["events_applied"] == {}
