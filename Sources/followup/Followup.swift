import ArgumentParser

@main
struct Followup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "followup",
        abstract: "Plan every follow-up touch of your leads and write them as calendar feeds.",
        discussion: """
        Reads a lead store (a CSV sheet, or a SQLite store the capture commands keep), \
        plans the touchpoints of a disciplined follow-up method (Day 0, Day 2–3, \
        Day 7–10, Day 21–30, close the loop; next steps for leads who replied; for \
        "not now", a check-back and nurture around their fiscal year, launch, events \
        and each quarter), and writes iCalendar feeds that calendar apps subscribe to. \
        `followup explain LEAD` says why each date was chosen.

        Examples:
          followup generate --store Fixtures/demo/leads.csv --out feeds/
          followup init && followup add --name "Dana Kowalski" && followup agenda
        """,
        subcommands: [Generate.self, Plan.self, Explain.self, PlaybookCommand.self, Init.self, Add.self, Log.self, Next.self, Done.self, Snooze.self, Close.self, Import.self, Export.self, Agenda.self, Check.self, Lint.self, Serve.self, Token.self]
    )
}
