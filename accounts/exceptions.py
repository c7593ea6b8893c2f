"""What the account services refuse, in words a user can read."""

from portal.exceptions import PortalError


class AccountError(PortalError):
    code = "invalid"


class WrongCode(AccountError):
    """The authenticator code was not right (or was used already)."""

    code = "wrong_code"


class CodeThrottled(AccountError):
    """Wrong codes came too fast: the device refuses to check another one for a few seconds."""

    code = "throttled"
    http_status = 429


class TwoFactorRequired(AccountError):
    """The policy requires two-factor sign-in of this user: it cannot be turned off."""

    code = "two_factor_required"
    http_status = 409
