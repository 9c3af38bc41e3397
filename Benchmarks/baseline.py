#!/usr/bin/env python3
"""The baseline a user would otherwise write: the same touchpoints, written with
the `icalendar` package as events and tasks, per owner and for everyone.

Reads the touchpoints `followup plan` prints (JSON lines) and writes
<owner>.events.ics, <owner>.tasks.ics, all.events.ics and all.tasks.ics
into the output folder. It builds each calendar whole and then serialises
it, as the package is meant to be used.
"""
import collections
import datetime
import json
import os
import re
import sys
import zoneinfo

import icalendar


def stem(owner):
    return re.sub(r"[^a-z0-9]+", "-", owner.lower()).strip("-") or "owner"


def when(day, clock, zone):
    return datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zoneinfo.ZoneInfo(zone))


def main():
    source, folder = sys.argv[1], sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    by_owner = collections.defaultdict(list)
    with open(source, encoding="utf-8") as lines:
        for line in lines:
            touch = json.loads(line)
            by_owner[touch["owner"]].append(touch)

    def calendars(name):
        events, tasks = icalendar.Calendar(), icalendar.Calendar()
        for calendar in (events, tasks):
            calendar.add("prodid", "-//baseline//EN")
            calendar.add("version", "2.0")
            calendar.add("x-wr-calname", name)
        return events, tasks

    everyone = calendars("Follow-ups")
    for owner, touches in by_owner.items():
        mine = calendars(f"Follow-ups: {owner}")
        for touch in touches:
            start = when(touch["date"], touch["time"], touch["timezone"])
            event = icalendar.Event()
            event.add("uid", f"{touch['lead']}.{touch['key']}.event@baseline")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(minutes=15))
            event.add("summary", f"{touch['title']}: {touch['name']}")
            event.add("description", "\n".join([touch["reason"], touch["prompt"], touch.get("notes") or "", touch["draft"]]))
            event.add("categories", ["Follow-up"])
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", touch["title"])
            alarm.add("trigger", datetime.timedelta(minutes=-15))
            event.add_component(alarm)
            task = icalendar.Todo()
            task.add("uid", f"{touch['lead']}.{touch['key']}.task@baseline")
            task.add("dtstamp", stamp)
            task.add("dtstart", when(touch["window_start"], touch["time"], touch["timezone"]))
            task.add("due", when(touch["window_end"], touch["due_time"], touch["timezone"]))
            task.add("summary", f"{touch['title']}: {touch['name']}")
            task.add("description", event["description"])
            task.add("status", "NEEDS-ACTION")
            for calendar in (mine[0], everyone[0]):
                calendar.add_component(event)
            for calendar in (mine[1], everyone[1]):
                calendar.add_component(task)
        write(folder, stem(owner), mine)
    write(folder, "all", everyone)


def write(folder, name, pair):
    for calendar, kind in zip(pair, ("events", "tasks")):
        calendar.add_missing_timezones()
        with open(os.path.join(folder, f"{name}.{kind}.ics"), "wb") as output:
            output.write(calendar.to_ical())


if __name__ == "__main__":
    main()
