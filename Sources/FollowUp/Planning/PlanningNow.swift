import Foundation

/// What "today" is for a run: a fixed day everywhere, or an instant whose
/// day depends on each lead's zone.
public enum PlanningNow: Hashable, Sendable {
    /// `--now 2026-12-01`: that day in every zone.
    case date(LocalDate)
    /// `--now 2026-12-01T08:00:00Z` or the clock: the day it is in each zone.
    case instant(Date)
}
