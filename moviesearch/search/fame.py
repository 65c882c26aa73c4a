"""How well known a film is, by the declared popularity (Catalogue.popularity): the
order of best-known-first lists, whether a film is among the catalogue's best
known, and each film's fame as a share of the best known one's."""

import math

from django.db.models import F

from moviesearch.catalogue import catalogue
from moviesearch.search.vectors import table_rows

# A film everyone knows is among the catalogue's best known FAMOUS_SHARE (at least
# MIN_FAMOUS films): a visitor abbreviates such a title ("lotr") or leaves its
# article out ("godfather"). Any four letters are some obscure title's initials,
# more so in a larger catalogue.
FAMOUS_SHARE = 0.05
MIN_FAMOUS = 100


def fame_order(spec) -> list:
    """Most popular first (a film with no figure last), when the declaration names
    a popularity field."""
    return [F(spec.popularity).desc(nulls_last=True)] if spec.popularity else []


def _famous(model) -> int:
    """How many films count as the catalogue's best known."""
    return max(MIN_FAMOUS, int(FAMOUS_SHARE * table_rows(model)))


def well_known(model, fame: str, value) -> bool:
    """Whether a film of this fame is among the catalogue's best known (the fame
    index reads at most the bound)."""
    if value is None:
        return False
    bound = _famous(model)
    better = model._default_manager.filter(**{f"{fame}__gt": value})
    return better[:bound].count() < bound


def least_famous(model, fame: str):
    """The fame of the least known of the catalogue's best known films (as
    well_known bounds them); None where the catalogue has fewer."""
    bound = _famous(model)
    values = (
        model._default_manager.exclude(**{f"{fame}__isnull": True})
        .order_by(F(fame).desc())
        .values_list(fame, flat=True)
    )
    last = list(values[bound - 1 : bound])
    return last[0] if last else None


def fame_shares(queryset, ids) -> dict[int, float]:
    """Each movie's fame on a log scale, as a share of the best known one's."""
    fame = catalogue().popularity
    if not fame or not ids:
        return {}
    rows = queryset.model._default_manager.filter(pk__in=list(ids)).values_list(
        "pk", fame
    )
    logs = {pk: math.log1p(max(float(v or 0), 0.0)) for pk, v in rows}
    top = max(logs.values(), default=0.0) or 1.0
    return {pk: v / top for pk, v in logs.items()}
