"""The association's calendar: instants are stored in UTC, but a desk's day and month are the association's
own, in its time zone (config TIME_ZONE, Europe/Paris by default; an association overseas sets its own, as
America/Cayenne or Indian/Reunion). "Today" at 00:30 in Paris is still yesterday in UTC.

No database, no broker: plain functions over instants, dates and a zone."""
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.timezone.utc
DEFAULT_ZONE = "Europe/Paris"


def zone_of(config) -> ZoneInfo:
    """The association's zone from a service's config; a name that is not a zone stops the service."""
    name = (config or {}).get("TIME_ZONE") or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TIME_ZONE {name!r} is not a time zone name (such as Europe/Paris or "
                         f"America/Cayenne)") from None


def local_date(instant: dt.datetime, zone: dt.tzinfo) -> dt.date:
    return instant.astimezone(zone).date()


def today(zone: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    return local_date(now or dt.datetime.now(UTC), zone)


def day_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants (UTC) where a local day starts and where the next one starts (23 or 25 hours apart on
    the days the clocks change)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(instant: dt.datetime, zone: dt.tzinfo) -> str:
    """`YYYY-MM` of the local month an instant falls in."""
    local = instant.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def month_start(month: str, zone: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) a local month `YYYY-MM` begins."""
    year, number = int(month[:4]), int(month[5:7])
    return dt.datetime(year, number, 1, tzinfo=zone).astimezone(UTC)


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def months_before(instant: dt.datetime, months: int) -> dt.datetime:
    """The same moment `months` calendar months earlier (the 31st falls back to the month's last day): the
    cut-off of a retention given in months, as the register of processing states it."""
    total = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return instant.replace(year=year, month=month, day=min(instant.day, last_day))
