"""Forms for the tenant screens, one module per screen: field formats only, no business rules."""
