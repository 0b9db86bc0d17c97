"""Logs as JSON lines for a collector when LOG_FORMAT=json (issue 19): each service's own logging
configuration selects the formatter, and a line carries the fields given with `extra=` (an event's id)."""
import io
import json
import logging
import logging.config

import pytest

from shared.config import load_config
from shared.logs import JsonLines
from tests.test_structure import ROOT, SERVICES


def configured(service, monkeypatch, log_format):
    if log_format is None:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("LOG_FORMAT", log_format)
    return load_config(ROOT / "services" / service / "config.yaml")["LOGGING"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_logs_json_lines_when_asked_and_plain_text_by_default(service, monkeypatch):
    assert configured(service, monkeypatch, None)["handlers"]["console"]["formatter"] == "plain"
    settings = configured(service, monkeypatch, "json")
    stream = io.StringIO()
    settings["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig({**settings, "disable_existing_loggers": False})
    try:
        logging.getLogger(f"services.{service}").info("applied %s", "once", extra={"event_id": "e-1"})
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert (line["message"], line["level"], line["event_id"]) == ("applied once", "INFO", "e-1")
    assert line["logger"] == f"services.{service}" and line["ts"].endswith("+00:00")


def test_a_json_line_holds_its_exception_and_nothing_of_the_record_s_machinery():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed", (), __import__("sys").exc_info())
    line = json.loads(JsonLines().format(record))
    assert set(line) == {"ts", "level", "logger", "message", "exception"} and "ValueError: broken" in line["exception"]
