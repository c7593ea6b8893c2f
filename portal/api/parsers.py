"""How API request bodies are read: DRF's parsers, with JSON that holds no lone surrogate.

JSON may escape half of a UTF-16 pair on its own ("\\ud800"); Python reads it into a str that no UTF-8 text can
hold: PostgreSQL refuses it, and an error answer quoting it back ("\\ud800" is not a valid choice) cannot be
encoded either, a 500 either way. Refused here, once, as the parse error it is."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _holds_lone_surrogate(data) -> bool:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _holds_lone_surrogate(data):
            raise ParseError("JSON parse error - a string holds a lone surrogate (\\ud800-\\udfff), which is no text.")
        return data
