"""The workshop demo (scripts/demo/ateliers.py) plays through the running gateway, accueil and reporting:
two sessions planned, registered, marked and closed, the full one refusing one more; reporting counts them,
the attendees among the people received."""
import datetime as dt

from nameko.standalone.rpc import ClusterRpcProxy

from scripts.demo import ateliers
from shared.errors import NotFound
from tests.helpers import wait_for


def test_the_workshop_demo_plays_and_reporting_counts_its_sessions(stack):
    yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
    with ClusterRpcProxy(stack.rpc_config, timeout=10) as rpc:
        played = ateliers.play(rpc, yesterday, stack.base)
        assert played["refused"].startswith("409") and "capacity is 6" in played["refused"]
        assert ateliers.play(rpc, yesterday, stack.base)["sessions"] == 2  # played again: its keys, done once

        def counted():
            figures = rpc.reporting.figures("desk", "lyon-8", yesterday.strftime("%Y-%m"), True)["figures"]
            return figures["workshops"]["sessions"] >= 2 and figures
        workshops = wait_for(counted, message="the demo's sessions counted", ignoring=NotFound)["workshops"]
    assert (workshops["registrations"], workshops["registrations_attended"], workshops["places"]) == (13, 10, 14)
    assert workshops["by_theme"]["budget"]["fill_rate"] == 1.0 and workshops["attendance_rate"] == round(10 / 13, 3)
    assert ateliers.figures(None, stack.base)[0].startswith("Workshop sessions")
    # and the figures page shows them: the key figures and the table by theme
    from services.gateway.tests.test_pages import logged_in
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/figures"), params={"perimetre": "desk:lyon-8", "annee": yesterday.year,
                                                      "mois": yesterday.month}).text
    assert "Inscriptions aux ateliers" in page and "Ateliers collectifs par thème" in page
    assert "Remplissage" in page and "100,0 %" in page  # the budget session: 6 came for 6 places
