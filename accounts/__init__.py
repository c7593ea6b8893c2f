"""A person's own account, wherever they sign in: password, two-factor sign-in and API tokens (public schema)."""
