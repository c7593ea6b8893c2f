"""How API lists are cut into pages."""

from rest_framework.pagination import LimitOffsetPagination as DrfLimitOffsetPagination

# PostgreSQL takes LIMIT and OFFSET up to 2**63 - 1; a bigger number from a query string was a 500.
MAX_OFFSET = 2**62


class LimitOffsetPagination(DrfLimitOffsetPagination):
    """DRF's ?limit=&offset= with the limit capped at max_limit and the offset at MAX_OFFSET."""

    max_limit = 500

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
