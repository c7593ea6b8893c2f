import pytest


@pytest.fixture(autouse=True)
def _fresh_redis(fresh_redis):
    """The client keeps its OAuth tokens in Redis: every test here starts without them."""
