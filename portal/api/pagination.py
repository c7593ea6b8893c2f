"""How API lists are cut into pages, and how the OpenAPI schema says so.

Two kinds: `?limit=&offset=` (LimitOffsetPagination, the default, for lists that stay small) and keyset
cursors (CursorPagination, for the message log and the conversations, which grow without end: a page costs
the same at row 100,000 as at row 1). Both cap `limit` at MAX_LIMIT; a `limit` that is not a number, or
below 1, gives the default page, as DRF's own pagination does.
"""

from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.pagination import LimitOffsetPagination as DrfLimitOffsetPagination
from rest_framework.response import Response

# PostgreSQL takes LIMIT and OFFSET up to 2**63 - 1; a bigger number from a query string was a 500.
MAX_OFFSET = 2**62
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_CURSOR_LENGTH = 200  # the cursors we hand out are about 60 characters


def _limit_parameter(default: int, maximum: int) -> dict:
    return {
        "name": "limit", "required": False, "in": "query",
        "description": f"Page size: 1 to {maximum} (default {default}; a bigger number gives {maximum}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
    }


class LimitOffsetPagination(DrfLimitOffsetPagination):
    """DRF's ?limit=&offset= with the limit capped at max_limit and the offset at MAX_OFFSET."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            _limit_parameter(self.default_limit, self.max_limit),
            {
                "name": "offset", "required": False, "in": "query",
                "description": "How many results to skip (default 0).",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            },
        ]


class CursorQuerySerializer(serializers.Serializer):
    """A cursor longer than any we hand out is a 400 naming it; an unreadable one of a possible length gives
    the first page (the selectors' decode_cursor), so a stale link never fails."""

    after = serializers.CharField(max_length=MAX_CURSOR_LENGTH, required=False, allow_blank=True)
    before = serializers.CharField(max_length=MAX_CURSOR_LENGTH, required=False, allow_blank=True)


class CursorPagination(BasePagination):
    """Keyset pages, newest first: `?after=<cursor>` is the page after (older), `?before=<cursor>` the page
    before (newer), `limit` the size; the answer's `next` and `previous` are the links to follow (null at
    either end). There is no count and no offset: nothing ever counts the whole table.

    A subclass says how a page is cut with `cut(queryset, *, after, before, size)`, a selector returning an
    object with `items`, `next_cursor` and `previous_cursor` (messaging.selectors.messages.page_of).
    """

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    @staticmethod
    def cut(queryset, *, after, before, size):
        raise NotImplementedError

    def get_limit(self, request) -> int:
        try:
            return max(1, min(int(request.query_params.get("limit")), self.max_limit))
        except (TypeError, ValueError):
            return self.default_limit

    def paginate_queryset(self, queryset, request, view=None) -> list:
        incoming = CursorQuerySerializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        query = incoming.validated_data
        self.request = request
        self.page = self.cut(queryset, after=query.get("after") or None, before=query.get("before") or None,
                             size=self.get_limit(request))
        return list(self.page.items)

    def get_paginated_response(self, data) -> Response:
        return Response({
            "next": self._link("after", self.page.next_cursor),
            "previous": self._link("before", self.page.previous_cursor),
            "results": data,
        })

    def _link(self, key: str, cursor: str | None) -> str | None:
        if not cursor:
            return None
        query = self.request.query_params.copy()
        for name in ("after", "before"):
            query.pop(name, None)
        query[key] = cursor
        return self.request.build_absolute_uri(self.request.path + "?" + query.urlencode())

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "description": "One page of a keyset cursor list: follow `next` and `previous`.",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True,
                         "description": "The page after (older), or null on the last page."},
                "previous": {"type": "string", "format": "uri", "nullable": True,
                             "description": "The page before (newer), or null on the first page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        cursor = {"type": "string", "maxLength": MAX_CURSOR_LENGTH}
        return [
            {"name": "after", "required": False, "in": "query", "schema": cursor,
             "description": "Cursor (from a `next` link): the page after it, older. An unreadable one gives "
             "the first page."},
            {"name": "before", "required": False, "in": "query", "schema": cursor,
             "description": "Cursor (from a `previous` link): the page before it, newer."},
            _limit_parameter(self.default_limit, self.max_limit),
        ]
