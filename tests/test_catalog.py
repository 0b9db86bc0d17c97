"""The event catalog in docs/ is generated from the schemas and must match them."""
from scripts import event_catalog


def test_the_committed_event_catalog_matches_the_schemas():
    for path, text in event_catalog.render().items():
        assert path.exists(), f"{path} is missing: run `make docs`"
        assert path.read_text() == text, f"{path} is out of date: run `make docs`"


def test_the_catalog_names_publishers_and_consumers():
    text = event_catalog.render()[event_catalog.DOCS / "events.md"]
    assert "## `accueil.visit_closed` v1" in text and "Published by `accueil`" in text
