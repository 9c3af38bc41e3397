#ifndef FOLLOWUP_CLIBICAL_SHIM_H
#define FOLLOWUP_CLIBICAL_SHIM_H

#include <libical/ical.h>
/* strlen and memchr, for the Swift layer's work on libical's strings
 * (ICal imports no other C library). */
#include <string.h>

/* `icalerrno` is a macro over a function call; Swift cannot import macros
 * that expand to expressions, so this reads it for Swift. */
static inline icalerrorenum followup_icalerrno(void) { return icalerrno; }

static inline void followup_icalerror_clear(void) { icalerror_clear_errno(); }

/* Asks libical for plain IANA TZIDs. libical 3.0 keeps the pointer it is
 * given, so the prefix must have static storage: a C literal, not a Swift
 * temporary. libical 3.0.16 still puts its default prefix on zones it loads
 * from the system's zoneinfo, so ICal also sets each VTIMEZONE's TZID itself. */
static inline void followup_ical_use_plain_tzids(void) { icaltimezone_set_tzid_prefix(""); }

#endif
