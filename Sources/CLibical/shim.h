#ifndef FOLLOWUP_CLIBICAL_SHIM_H
#define FOLLOWUP_CLIBICAL_SHIM_H

#include <libical/ical.h>

/* `icalerrno` is a macro over a function call; Swift cannot import macros
 * that expand to expressions, so this reads it for Swift. */
static inline icalerrorenum followup_icalerrno(void) { return icalerrno; }

static inline void followup_icalerror_clear(void) { icalerror_clear_errno(); }

/* libical 3.0 keeps the pointer it is given as the TZID prefix, so the
 * prefix must be a string with static storage: a C literal, not a Swift
 * temporary. */
static inline void followup_ical_use_plain_tzids(void) { icaltimezone_set_tzid_prefix(""); }

#endif
