"""The contract is enforced where the activity is recorded, without calling franchise: once accueil has
received the terms, it keeps refusing what they do not cover with franchise stopped, even across its own
restart (the terms live in its database)."""
import datetime as dt

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.accueil.service import AccueilService
from services.franchise.service import FranchiseService
from shared.errors import ContractViolation
from tests.helpers import wait_for

A_YEAR_AGO = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=365)).isoformat()


def partner_visit(accueil, partner):
    return accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "agent-1",
                               "motif": {"kind": "partenaire", "partner": partner}})


def rule_refusing(accueil, partner):
    try:
        partner_visit(accueil, partner)
    except ContractViolation as exc:
        return exc.rule
    return None


def test_accueil_enforces_the_contract_with_the_franchise_service_stopped(
        container_factory, service_config, rabbit_config):
    accueil_config = service_config("accueil", CONTRACT_ENFORCEMENT=True)
    accueil_container = container_factory(AccueilService, accueil_config)
    accueil_container.start()
    franchise = container_factory(FranchiseService, service_config("franchise"))
    franchise.start()

    # given a contract with a convention for EDF only, signed while franchise runs
    with ServiceRpcProxy("franchise", rabbit_config) as rpc:
        rpc.register_association({"association_id": "pimms-test", "label": "PIMMS test"})
        rpc.register_desk({"pimms_id": "lyon-8", "association_id": "pimms-test", "label": "Lyon 8e"})
        rpc.sign_contract({"association_id": "pimms-test", "pimms_ids": ["lyon-8"], "mandates": ["accueil"],
                           "valid_from": A_YEAR_AGO,
                           "conventions": [{"partner": "edf", "scope": ["accueil"], "valid_from": A_YEAR_AGO}]})
    with ServiceRpcProxy("accueil", rabbit_config) as accueil:
        wait_for(lambda: rule_refusing(accueil, "sncf") == "no_convention", message="the contract applied")

    # when the franchise service is stopped for good
    franchise.kill()

    # then accueil still refuses a partner visit without a convention and accepts one with it
    with ServiceRpcProxy("accueil", rabbit_config) as accueil:
        with pytest.raises(ContractViolation) as exc:
            partner_visit(accueil, "veolia")
        assert exc.value.rule == "no_convention" and "veolia" in exc.value.detail
        assert partner_visit(accueil, "edf")["status"] == "open"

    # and so does a restarted accueil, from the copy in its own database
    accueil_container.kill()
    container_factory(AccueilService, accueil_config).start()
    with ServiceRpcProxy("accueil", rabbit_config) as accueil:
        assert rule_refusing(accueil, "veolia") == "no_convention"
        assert rule_refusing(accueil, "edf") is None
