"""Head office trusted the sender's word: an association could publish `period_closed` under another
association's `association_id` and head office counted it. Now each association reaches head office as a
broker user of its own, its uplink shovel stamps its events with that user as `user_id` (which RabbitMQ
checks against the connection), and head office's consumers dead-letter an event whose `association_id` is
not its sender's. Shown on three vhosts of the local RabbitMQ: head office, Lyon and Paris."""
import re

import amqp
import pytest
import requests
from kombu import Connection
from nameko.standalone.rpc import ServiceRpcProxy

from deploy.topology import setup_shovels
from deploy.topology.setup_shovels import Broker, Management, down_queue
from services.reporting.service import ReportingService
from services.reporting.tests.test_service import period_closed
from shared import topology
from shared.errors import NotFound
from tests.helpers import drain, publish_raw, wait_for


@pytest.fixture
def two_associations(vhost_pipeline, rabbit_config, pytestconfig):
    """Lyon and Paris, each on a broker of its own (two more vhosts), linked to head office."""
    api = pytestconfig.getoption("RABBIT_API_URI")
    base = rabbit_config["AMQP_URI"].rsplit("/", 1)[0]
    with vhost_pipeline.get() as lyon, vhost_pipeline.get() as paris:
        head_office = Broker(rabbit_config["AMQP_URI"], api)
        associations = {"pimms-lyon": Broker(f"{base}/{lyon}", api), "pimms-paris": Broker(f"{base}/{paris}", api)}
        setup_shovels.setup(head_office, associations)
        setup_shovels.wait_running(associations, timeout=20)
        yield head_office, associations


def test_an_association_cannot_send_figures_in_another_associations_name(
        two_associations, container_factory, service_config, rabbit_config):
    head_office, associations = two_associations
    container_factory(ReportingService, service_config(
        "reporting", HEAD_OFFICE=True, SENDER_CHECK=True, ASSOCIATION_ID="union-nationale")).start()
    paris = associations["pimms-paris"].amqp_uri
    # when Paris sends its own figures, and figures that say they are Lyon's
    publish_raw(paris, "reporting.period_closed", period_closed(30, 1, "pimms-paris"))
    publish_raw(paris, "reporting.period_closed", period_closed(999, 1, "pimms-lyon"))
    with ServiceRpcProxy("reporting", rabbit_config) as reporting:
        wait_for(lambda: counted(reporting, "pimms-paris") == 30, message="Paris's figures at head office")
    # then head office holds Paris's figures, not the forged ones, which wait as dead letters with the reason
    letters = wait_for(lambda: drain(rabbit_config["AMQP_URI"], "reporting.dead_letters"), message="the forgery")
    [(body, headers)] = letters
    assert body["association_id"] == "pimms-lyon" and headers["x-pimms-reason-kind"] == "spoofed"
    assert "association.pimms-paris" in headers["x-pimms-reason"]
    with ServiceRpcProxy("reporting", rabbit_config) as reporting:
        assert counted(reporting, "pimms-lyon") is None


def test_the_broker_refuses_a_user_id_that_is_not_the_publishers(two_associations, rabbit_config):
    with Connection(rabbit_config["AMQP_URI"]) as conn:  # head office's broker, as its own user
        channel = conn.channel()
        channel.confirm_select()
        with pytest.raises(amqp.exceptions.PreconditionFailed):
            channel.basic_publish_confirm(amqp.Message(b"{}", user_id="association.pimms-lyon"),
                                          exchange=topology.EVENTS, routing_key="reporting.period_closed")


def test_each_association_reaches_head_office_as_its_own_user_allowed_its_link_only(two_associations,
                                                                                     pytestconfig):
    head_office, associations = two_associations
    api = pytestconfig.getoption("RABBIT_API_URI").rstrip("/")
    for association_id, broker in associations.items():
        up = Management(broker).shovel_definition("pimms-uplink")
        user = setup_shovels.association_user(association_id)
        assert Broker(up["dest-uri"]).user == user and up["dest-publish-properties"] == {"user_id": user}
        [permission] = requests.get(f"{api}/api/users/{user}/permissions", timeout=10).json()
        assert permission["write"] == r"^pimms\.events$"
        assert permission["read"] == permission["configure"] == f"^{re.escape(down_queue(association_id))}$"


def counted(reporting, association_id):
    """Visits of the association's October at head office, or None when it holds none of its figures."""
    try:
        row = reporting.figures("association", association_id, "2026-10")
    except NotFound:
        return None
    return row["figures"]["visits"]["total"]
