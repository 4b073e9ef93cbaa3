"""Use cases: each is one transaction, checks permissions, and returns plain domain objects."""
