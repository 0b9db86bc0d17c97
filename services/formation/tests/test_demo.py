"""The demo team of `make run` obeys every rule of the service, and its figures tell its story."""
import datetime as dt
from types import SimpleNamespace

from scripts.demo import formation as demo


def test_the_demo_team_is_recorded_and_its_figures_printed(formation):
    rpc = SimpleNamespace(formation=formation)
    demo.play(rpc, dt.date.today() - dt.timedelta(days=1))
    lines = demo.figures(rpc)
    assert lines[1].split() == ["agents", "employed", "4"]  # five hired, one left
    assert lines[2].split() == ["share", "of", "women", "75%"]  # one of the two men left
    # 71.5 h of training in 750 h of work
    assert lines[3].split()[:3] == ["training", "share", "9.5%"] and "floor 9%, default" in lines[3]
    assert lines[4].split() == ["agents", "under", "the", "floor", "1"]  # 6 h in 149 h
    assert lines[5].split() == ["positive", "exits", "1", "of", "1"]
