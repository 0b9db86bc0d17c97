"""The reader of an identity was whatever the caller said: `accueil.get_citizen(citizen_id, reader)`.
Attack: call accueil over the broker naming yourself a manager of every desk. Now the reader is the signed
identity the gateway puts in the call's context, verified by accueil; a call without it, or with one
signed by another key, or for another association, reads nothing."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from conftest import PRINCIPAL_KEY
from shared import principal
from shared.errors import Forbidden

MANAGER = {"login": "manager.lyon", "role": "manager", "association_id": "pimms-lyon",
           "desks": ["lyon-8", "lyon-9"], "agent_id": "manager-lyon"}


def get_citizen(stack, citizen_id, context=None):
    with ClusterRpcProxy(stack.rpc_config, timeout=10, context_data=context or {}) as rpc:
        return rpc.accueil.get_citizen(citizen_id)


def test_a_call_without_a_signed_identity_reads_no_citizen(stack):
    with pytest.raises(Forbidden):
        get_citizen(stack, stack.citizen_id)


def test_an_identity_signed_with_another_key_is_refused(stack):
    with pytest.raises(Forbidden, match="not signed"):
        get_citizen(stack, stack.citizen_id, principal.context(MANAGER, "a-key-that-is-not-the-associations"))


def test_an_identity_of_another_association_is_refused(stack):
    with pytest.raises(Forbidden):
        get_citizen(stack, stack.citizen_id, principal.context({**MANAGER, "association_id": "pimms-paris"},
                                                               PRINCIPAL_KEY))


def test_the_reader_field_of_old_is_no_way_in_any_more(stack):
    with ClusterRpcProxy(stack.rpc_config, timeout=10) as rpc:
        with pytest.raises(Exception):
            rpc.accueil.get_citizen(stack.citizen_id, {"account_id": "x", "role": "manager",
                                                       "pimms_ids": ["lyon-8"]})


def test_the_signed_identity_of_the_manager_reads_it(stack):
    citizen = get_citizen(stack, stack.citizen_id, principal.context(MANAGER, PRINCIPAL_KEY))
    assert citizen["last_name"] == "Exemple"
