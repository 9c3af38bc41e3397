#!/usr/bin/env python3
"""Writes a synthetic lead sheet of N leads to stdout, the same for a given N and seed.

20 owners, 16 time zones (half-hour and 45-minute offsets, both hemispheres'
daylight saving, none), every status, and notes with commas, quotes, line
breaks and non-ASCII text, as the benchmark in README describes.
"""
import csv
import datetime
import random
import sys

ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "America/St_Johns",
         "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Africa/Lagos", "Asia/Kolkata", "Asia/Kathmandu",
         "Asia/Tokyo", "Asia/Shanghai", "Australia/Sydney", "Pacific/Auckland", "Pacific/Chatham"]
STATUSES = ["", "new", "active", "active", "active", "engaged", "not_yet", "won", "lost", "closed", "paused"]
OWNERS = [f"Owner {i:02d}" for i in range(18)] + ["Zoë Ødegaard", "鈴木 一郎"]
NOTES = [
    'Needs "board" approval, then legal; budget in Q3, 40 seats.',
    "予算は来年度に確定する予定。担当者は品質保証部。" * 3,
    "Line one\nLine two, with a comma; a semicolon \\ and a backslash",
    "Zoë café — naïve résumé 📞 שלום مرحبا",
    "",
]


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2026)
    today = datetime.date(2026, 12, 1)

    def date(low, high, chance):
        if rng.random() >= chance:
            return ""
        return (today + datetime.timedelta(days=rng.randint(low, high))).isoformat()

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "name", "company", "email", "owner", "timezone", "status", "first_contact", "last_contact",
                     "last_reply", "next_step", "next_step_due", "next_step_owner", "snooze_until", "notes"])
    for index in range(count):
        writer.writerow([
            f"B{index:07d}",
            rng.choice(["Ann Lee", "Zoë Müller", "Łukasz Nowak", "鈴木 花子", 'Pat "PJ" O\'Neil']),
            rng.choice(["Acme, Inc.", "Café Größe", "", "Widgets; Ltd"]),
            f"lead{index}@example.com",
            OWNERS[index % len(OWNERS)],
            ZONES[index % len(ZONES)],
            rng.choice(STATUSES),
            date(-90, 20, 0.7), date(-60, 0, 0.5), date(-40, 0, 0.3),
            rng.choice(["", "Send the proposal, v2"]),
            date(-20, 200, 0.4), rng.choice(["", "me", "them"]), date(-30, 120, 0.2),
            rng.choice(NOTES),
        ])


if __name__ == "__main__":
    main()
