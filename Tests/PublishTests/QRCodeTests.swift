import Foundation
import QRCode
import Testing

/// libqrencode's codes, drawn by QRCode, scanned back by zbar (Debian's
/// zbar-tools), a reader that shares no code with the encoder.
struct QRCodeTests {
    /// The code as a PBM image, six pixels a module, with the quiet zone.
    static func pbm(_ code: QRCode) -> String {
        let scale = 6, side = (code.width + 8) * scale
        var lines = ["P1", "\(side) \(side)"]
        for y in 0..<side {
            let row = (0..<side).map { x -> String in
                let (mx, my) = (x / scale - 4, y / scale - 4)
                let dark = (0..<code.width).contains(mx) && (0..<code.width).contains(my) && code.isDark(x: mx, y: my)
                return dark ? "1" : "0"
            }
            lines.append(row.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func scan(_ code: QRCode) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).pbm")
        defer { try? FileManager.default.removeItem(at: file) }
        try pbm(code).write(to: file, atomically: true, encoding: .ascii)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
        process.arguments = ["--raw", "-q", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    @Test(arguments: [
        "webcal://cal.example.com/feeds/S9AKQ5MmO1at5Ku4gOaAU02bPnIVMwfoYArCNUbDdHI/alice-martin.events.ics",
        "webcal://127.0.0.1:8080/feeds/x/zoe-odegaard.events.ics",
        "Zoë Ødegaard — 東京",
        String(repeating: "https://example.com/", count: 60),
    ])
    func aCodeScansBackToItsText(_ text: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/zbarimg"), "zbar-tools (scripts/install-deps)")
        let code = try #require(QRCode(text))
        #expect(code.width >= 21 && (code.width - 17) % 4 == 0, "a QR symbol is 17 + 4n modules wide")
        #expect(try Self.scan(code) == text)
        let svg = code.svg(label: "a \"code\" <here>")
        #expect(svg.hasPrefix("<svg") && svg.contains("viewBox=\"0 0 \(code.width + 8) \(code.width + 8)\""))
        #expect(svg.contains("aria-label=\"a &quot;code&quot; &lt;here>\""), "the label is escaped")
    }

    @Test func textTooLongForAnyCodeIsNil() {
        #expect(QRCode(String(repeating: "x", count: 3_000)) == nil)
        #expect(QRCode("") == nil || QRCode("")!.width >= 21)
    }
}
