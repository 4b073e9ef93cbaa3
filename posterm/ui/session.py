"""Who is logged in on this till right now."""

from __future__ import annotations

from dataclasses import dataclass

from posterm.domain.permissions import Actor
from posterm.domain.users import UserInfo


@dataclass(frozen=True)
class Session:
    user: UserInfo
    terminal: str

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.user.username, self.user.role, self.terminal)
