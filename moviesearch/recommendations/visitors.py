"""Who is interacting: a user, an anonymous session, or an imported visitor."""

from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True)
class Visitor:
    user_id: int | None = None
    session_key: str | None = None
    external_id: str | None = None

    def q(self) -> Q:
        """Filter for this visitor's interactions."""
        if self.user_id is not None:
            return Q(user_id=self.user_id)
        if self.session_key:
            return Q(session_key=self.session_key)
        if self.external_id:
            return Q(external_id=self.external_id)
        return Q(pk__in=[])  # nobody yet: never "every row whose owner is NULL"

    def fields(self) -> dict:
        return {
            "user_id": self.user_id,
            "session_key": self.session_key,
            "external_id": self.external_id,
        }

    def __bool__(self) -> bool:
        return bool(self.user_id is not None or self.session_key or self.external_id)


def visitor_from_request(request, *, create: bool = False) -> Visitor:
    """The request's visitor; with create, an anonymous visitor gets a session.

    Each write marks the session modified, so it expires SESSION_COOKIE_AGE after
    the visitor's last interaction, as services.anonymous_expire assumes."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Visitor(user_id=user.pk)
    session = request.session
    if create:
        session["recommendations"] = True
        session.modified = True
        if not session.session_key:
            session.save()
    return Visitor(session_key=session.session_key)
