"""Structured logs: one JSON object a line, so that a log collector can read every field."""

import datetime as dt
import json
import logging


class JsonFormatter(logging.Formatter):
    """Format a record as JSON: time, level, logger, message, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
