/*
 * The floor: the same touchpoints as baseline.py, streamed through libical
 * by a single-threaded C program, as the reference program does.
 *
 * Reads the touchpoints `followup plan` prints (JSON lines, parsed with
 * json-c) and, touch by touch, builds a VEVENT (with a VALARM) and a VTODO
 * with libical's constructors, serialises each once with the `_r`
 * serialiser and writes its bytes to the owner's feed and to everyone's.
 * Nothing is held but the open files. VTIMEZONEs are left out (a few per
 * file, they cost nothing next to the components).
 *
 *   cc -O2 baseline_libical.c $(pkg-config --cflags --libs libical json-c)
 *   ./a.out touchpoints.jsonl out/
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <json-c/json.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_OWNERS 4096

struct feed { char owner[256]; FILE *events, *tasks; };

static FILE *open_feed(const char *folder, const char *stem, const char *kind, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s.ics", folder, stem, kind);
    FILE *file = fopen(path, "wb");
    if (!file) { perror(path); exit(1); }
    setvbuf(file, NULL, _IOFBF, 1 << 16);
    fprintf(file, "BEGIN:VCALENDAR\r\nPRODID:-//baseline//EN\r\nVERSION:2.0\r\nX-WR-CALNAME:%s\r\n", name);
    return file;
}

static void close_feed(FILE *file) {
    fputs("END:VCALENDAR\r\n", file);
    fclose(file);
}

static const char *text(json_object *touch, const char *key) {
    json_object *value;
    if (!json_object_object_get_ex(touch, key, &value) || json_object_is_type(value, json_type_null)) return "";
    return json_object_get_string(value);
}

static struct icaltimetype when(const char *day, const char *clock, int plus_minutes) {
    struct icaltimetype time = icaltime_null_time();
    sscanf(day, "%d-%d-%d", &time.year, &time.month, &time.day);
    sscanf(clock, "%d:%d", &time.hour, &time.minute);
    time.minute += plus_minutes;
    return icaltime_normalize(time);
}

static icalproperty *zoned(icalproperty *property, const char *zone) {
    icalproperty_add_parameter(property, icalparameter_new_tzid(zone));
    return property;
}

static void emit(icalcomponent *component, FILE *mine, FILE *everyone) {
    char *bytes = icalcomponent_as_ical_string_r(component);
    size_t length = strlen(bytes);
    fwrite(bytes, 1, length, mine);
    fwrite(bytes, 1, length, everyone);
    icalmemory_free_buffer(bytes);
    icalcomponent_free(component);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s touchpoints.jsonl folder\n", argv[0]); return 2; }
    FILE *input = fopen(argv[1], "r");
    if (!input) { perror(argv[1]); return 1; }
    mkdir(argv[2], 0700);
    static struct feed feeds[MAX_OWNERS];
    int count = 0;
    FILE *all_events = open_feed(argv[2], "all", "events", "Follow-ups");
    FILE *all_tasks = open_feed(argv[2], "all", "tasks", "Follow-up tasks");
    struct icaltimetype stamp = icaltime_from_string("20261201T000000Z");
    struct icaldurationtype fifteen = icaldurationtype_from_int(-15 * 60);
    char *line = NULL;
    size_t capacity = 0;
    while (getline(&line, &capacity, input) > 0) {
        json_object *touch = json_tokener_parse(line);
        if (!touch) continue;
        const char *owner = text(touch, "owner"), *zone = text(touch, "timezone");
        int index = 0;
        while (index < count && strcmp(feeds[index].owner, owner) != 0) index++;
        if (index == count && count < MAX_OWNERS) {
            char stem[256], name[300];
            /* The owner's number keeps stems of non-Latin names apart. */
            size_t length = (size_t)snprintf(stem, sizeof stem, "%d-", count);
            for (const char *c = owner; *c && length < sizeof stem - 1; c++) stem[length++] = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '-';
            stem[length] = 0;
            snprintf(feeds[count].owner, sizeof feeds[count].owner, "%s", owner);
            snprintf(name, sizeof name, "Follow-ups: %s", owner);
            feeds[count].events = open_feed(argv[2], stem, "events", name);
            feeds[count].tasks = open_feed(argv[2], stem, "tasks", name);
            count++;
        }
        char uid[1024], summary[2048];
        char *description;
        if (asprintf(&description, "%s\n%s\n%s\n%s", text(touch, "reason"), text(touch, "prompt"), text(touch, "notes"), text(touch, "draft")) < 0) return 1;
        snprintf(summary, sizeof summary, "%s: %s", text(touch, "title"), text(touch, "name"));

        icalcomponent *event = icalcomponent_new(ICAL_VEVENT_COMPONENT);
        snprintf(uid, sizeof uid, "%s.%s.event@baseline", text(touch, "lead"), text(touch, "key"));
        icalcomponent_add_property(event, icalproperty_new_uid(uid));
        icalcomponent_add_property(event, icalproperty_new_dtstamp(stamp));
        icalcomponent_add_property(event, zoned(icalproperty_new_dtstart(when(text(touch, "date"), text(touch, "time"), 0)), zone));
        icalcomponent_add_property(event, zoned(icalproperty_new_dtend(when(text(touch, "date"), text(touch, "time"), 15)), zone));
        icalcomponent_add_property(event, icalproperty_new_summary(summary));
        icalcomponent_add_property(event, icalproperty_new_description(description));
        icalcomponent_add_property(event, icalproperty_new_categories("Follow-up"));
        icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
        icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
        icalcomponent_add_property(alarm, icalproperty_new_description(text(touch, "title")));
        struct icaltriggertype trigger = { icaltime_null_time(), fifteen };
        icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
        icalcomponent_add_component(event, alarm);
        emit(event, feeds[index].events, all_events);

        icalcomponent *task = icalcomponent_new(ICAL_VTODO_COMPONENT);
        snprintf(uid, sizeof uid, "%s.%s.task@baseline", text(touch, "lead"), text(touch, "key"));
        icalcomponent_add_property(task, icalproperty_new_uid(uid));
        icalcomponent_add_property(task, icalproperty_new_dtstamp(stamp));
        icalcomponent_add_property(task, zoned(icalproperty_new_dtstart(when(text(touch, "window_start"), text(touch, "time"), 0)), zone));
        icalcomponent_add_property(task, zoned(icalproperty_new_due(when(text(touch, "window_end"), text(touch, "due_time"), 0)), zone));
        icalcomponent_add_property(task, icalproperty_new_summary(summary));
        icalcomponent_add_property(task, icalproperty_new_description(description));
        icalcomponent_add_property(task, icalproperty_new_status(ICAL_STATUS_NEEDSACTION));
        emit(task, feeds[index].tasks, all_tasks);

        free(description);
        json_object_put(touch);
    }
    free(line);
    fclose(input);
    for (int index = 0; index < count; index++) {
        close_feed(feeds[index].events);
        close_feed(feeds[index].tasks);
    }
    close_feed(all_events);
    close_feed(all_tasks);
    return 0;
}
