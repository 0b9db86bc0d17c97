"""Log lines as JSON for a log collector (`LOG_FORMAT=json` in a service's environment; `plain`, the default,
for a person reading a terminal). One JSON object per line: when, level, logger, message, and the fields a
call passed with `extra=` (an event's id, a request's path), so lines can be searched by them.

    logging.getLogger(__name__).info("applied", extra={"event_id": event.event_id})
"""
import datetime as dt
import json
import logging

# the attributes every LogRecord has: anything else on a record was given with `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)
