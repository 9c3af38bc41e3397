#!/usr/bin/env python3
"""Writes a synthetic lead sheet of N leads to stdout, the same for a given N and seed.

20 owners, 16 time zones (half-hour and 45-minute offsets, both hemispheres'
daylight saving, none), every status, and notes with commas, quotes, line
breaks and non-ASCII text, as the benchmark in README describes.

    make_sheet.py N [SEED] [--mix standard|nurture-heavy]

--mix nurture-heavy is the other shape a team's sheet takes: two in five
leads "not yet" with a fiscal year, a launch and industry events to plan
around, more engaged leads with promises, and notes of one to four kB; about
twice the components a lead of the standard mix.
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


NURTURE_STATUSES = ["not_yet"] * 8 + ["engaged"] * 3 + ["active"] * 4 + ["new"] * 2 + ["won", "lost", "paused"]
EVENT_NAMES = ["Hannover Messe", "Web Summit", "SaaStr Annual", "Data Summit Berlin", "CES", "Dreamforce"]
LONG_NOTES = [
    ("Board wants a pilot first; legal reviews the DPA, procurement needs three quotes. "
     "Champion: the VP Ops, who was burnt by the last vendor's \"implementation\".\n") * 12,
    "決裁は取締役会。来期の予算編成は四月。導入前に小規模な検証を希望。担当者は品質保証部の鈴木さん。\n" * 20,
    ("Zoë café — naïve résumé 📞 שלום مرحبا; asked for the case study, the SOC 2 report, "
     "and pricing for 40, 80 and 120 seats, with a comma, and a semicolon; and a backslash \\.\n") * 14,
]


def main():
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--mix")]
    mix = "standard"
    for index, arg in enumerate(sys.argv[1:]):
        if arg.startswith("--mix="):
            mix = arg.split("=", 1)[1]
        elif arg == "--mix":
            mix = sys.argv[index + 2]
            args.remove(mix)
    if mix not in ("standard", "nurture-heavy"):
        sys.exit(f"make_sheet.py: --mix {mix!r}: expected standard or nurture-heavy")
    count = int(args[0])
    rng = random.Random(int(args[1]) if len(args) > 1 else 2026)
    today = datetime.date(2026, 12, 1)
    if mix == "nurture-heavy":
        return nurture_heavy(count, rng, today)

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


def nurture_heavy(count, rng, today):
    def date(low, high, chance):
        if rng.random() >= chance:
            return ""
        return (today + datetime.timedelta(days=rng.randint(low, high))).isoformat()

    def day(offset):
        return (today + datetime.timedelta(days=offset)).isoformat()

    def contacts(status):
        """First contact, last contact and last reply, in that order in time."""
        if status == "new" and rng.random() < 0.5:
            return ["", "", ""]
        first = rng.randint(-300, -5)
        last = rng.randint(first, -1)
        replied = rng.random() < (0.6 if status in ("not_yet", "engaged") else 0.2)
        return [day(first), day(last), day(rng.randint(first, last)) if replied else ""]

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "name", "company", "email", "phone", "owner", "timezone", "status", "first_contact",
                     "last_contact", "last_reply", "next_step", "next_step_due", "next_step_owner", "snooze_until",
                     "fiscal_year_start", "launch_date", "events", "notes"])
    for index in range(count):
        status = rng.choice(NURTURE_STATUSES)
        events = "; ".join(
            f"{(today + datetime.timedelta(days=rng.randint(5, 100))).isoformat()} {rng.choice(EVENT_NAMES)}"
            for _ in range(rng.randint(1, 4)))
        writer.writerow([
            f"N{index:07d}",
            rng.choice(["Ann Lee", "Zoë Müller", "Łukasz Nowak", "鈴木 花子", 'Pat "PJ" O\'Neil']),
            rng.choice(["Acme, Inc.", "Café Größe", "Widgets; Ltd", "株式会社テスト"]),
            f"lead{index}@example.com",
            rng.choice(["", "+1 212 555 0101", "+49 30 5555 0102"]),
            OWNERS[index % len(OWNERS)],
            ZONES[index % len(ZONES)],
            status,
            *contacts(status),
            rng.choice(["", "Send the proposal, v2", "Book the pilot kick-off"]),
            date(-10, 150, 0.5), rng.choice(["me", "them", ""]),
            date(-20, 200, 0.3 if status == "not_yet" else 0.1),
            rng.choice(["01-01", "04-01", "07-01", "10-01", ""]),
            date(10, 90, 0.7),
            events,
            rng.choice(LONG_NOTES),
        ])


if __name__ == "__main__":
    main()
