"""Account services: the security policy, authenticator apps, and the two-step sign-in."""
