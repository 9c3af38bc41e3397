import FollowUp
import Foundation
import Generation
import PropertyBased
import Testing

/// The scratch file a run keeps its leads in while the store is read.
@Suite struct LeadSpillTests {
    static let pieces = ["", "Ann", "Zoë", "株式会社", "a, b", "\"q\"", "line\nbreak", "\r\n", "tab\t", "🙂", "x;y", " ", "\u{0}"]
    static let text = Gen.int(in: 0...(pieces.count - 1)).array(of: 0...3).map { $0.map { pieces[$0] }.joined() }

    /// A lead from generated texts and numbers: every optional field is
    /// sometimes absent, sometimes empty, sometimes full.
    static func lead(_ texts: [String], _ numbers: [Int]) -> Lead {
        func optional(_ index: Int) -> String? { numbers[index] % 4 == 0 ? nil : texts[index] }
        func date(_ index: Int) -> LocalDate? {
            numbers[index] % 3 == 0 ? nil : LocalDate(daysSinceEpoch: numbers[index] % 2 == 0 ? -numbers[index] : numbers[index] * 7)
        }
        var lead = Lead(
            id: texts[0], name: texts[1], company: optional(2), email: optional(3), phone: optional(4),
            owner: texts[5], timeZone: optional(6),
            status: numbers[7] % 9 == 8 ? nil : LeadStatus.allCases[numbers[7] % 8],
            firstContact: date(8), lastContact: date(9), lastReply: date(10),
            nextStep: optional(11), nextStepDue: date(12),
            nextStepOwner: numbers[13] % 3 == 0 ? nil : StepOwner.allCases[numbers[13] % 2],
            snoozeUntil: date(14), fiscalYearStart: numbers[15] % 2 == 0 ? nil : MonthDay(["02-29", "12-31", "04-01"][numbers[15] % 3]),
            launchDate: date(16),
            events: (0..<(numbers[17] % 3)).map { LeadEvent(date: LocalDate(daysSinceEpoch: 20_000 + $0), name: texts[($0 + 17) % texts.count]) },
            notes: optional(18), lastStep: optional(19), country: numbers[1] % 3 == 0 ? nil : ["DE", "DE-BY", "US-CA"][numbers[1] % 3])
        if numbers[0] % 2 == 0 { lead.extra = ["industry": texts[2], texts[3]: texts[4]] }
        return lead
    }

    /// A lead with every field set reads back with every field set: a field
    /// added to `Lead` and forgotten by the spill fails here (the planner
    /// would plan without it, as it once planned without `country`).
    @Test func noFieldOfALeadIsLeftOut() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var lead = Self.lead(Array(repeating: "x", count: 20), Array(repeating: 7, count: 20))
        lead.extra = ["industry": "robots"]
        for child in Mirror(reflecting: lead).children {
            let value = Mirror(reflecting: child.value)
            #expect(value.displayStyle != .optional || !value.children.isEmpty, "the test lead leaves \(child.label ?? "?") empty")
        }
        let spill = try LeadSpill(in: folder.path)
        let location = try spill.append(lead)
        try spill.finishWriting()
        var buffer: [UInt8] = []
        let back = try spill.lead(at: location, buffer: &buffer)
        for (original, read) in zip(Mirror(reflecting: lead).children, Mirror(reflecting: back).children) {
            #expect(String(describing: original.value) == String(describing: read.value), "\(original.label ?? "?") does not read back")
        }
    }

    @Test func aLeadReadsBackEqualToItself() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        await propertyCheck(count: 80, input: Self.text.array(of: 20).array(of: 1...20), Gen.int(in: 1...100_000).array(of: 20)) { texts, numbers in
            do {
                // In memory, in the file, or first one and then the other.
                let spill = try LeadSpill(in: folder.path, memoryLimit: [0, 300, LeadSpill.memoryLimit][numbers[0] % 3])
                let leads = texts.enumerated().map { Self.lead($0.element, numbers.map { $0 &+ $0 &* $0 }) }
                let locations = try leads.map { try spill.append($0) }
                try spill.finishWriting()
                var buffer: [UInt8] = []
                // Read back out of order, as owners are planned.
                for index in leads.indices.reversed() {
                    #expect(try spill.lead(at: locations[index], buffer: &buffer) == leads[index])
                }
            } catch {
                Issue.record("\(error)")
            }
        }
        // The scratch files have no name: nothing is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

}
