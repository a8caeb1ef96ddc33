"""Months as the campaign counts them: parsing a `YYYY-MM` query value without ever failing."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None) -> "Month | None":
        """`2019-07` → Month(2019, 7); anything else (bad format, month 13, year 0) → None."""
        if not value or len(value) > 7:
            return None
        try:
            parsed = dt.datetime.strptime(value, "%Y-%m")
        except ValueError:
            return None
        if parsed.year < 2000 or parsed.year > 2100:
            return None
        return cls(parsed.year, parsed.month)

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the month as aware datetimes in the campaign's time zone."""
        zone = ZoneInfo(time_zone)
        start = dt.datetime.combine(self.first_day, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.next().first_day, dt.time.min, tzinfo=zone)
        return start, end
