internal import CQRencode
import Foundation

/// A QR code, as libqrencode encodes it: the only code that imports
/// CQRencode. The encoding (modes, error correction, masks) is the
/// library's; this layer only reads its matrix and draws it.
public struct QRCode: Sendable, Hashable {
    /// Modules per side, without the quiet zone.
    public let width: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    /// The code for `text` as bytes (UTF-8), at error-correction level M
    /// (15% of the symbol may be lost, enough for a phone's camera on a
    /// screen); nil when the text is too long for any QR version.
    public init?(_ text: String) {
        // libqrencode: QRcode_encodeString8bit takes a NUL-terminated
        // string, version 0 (the smallest that fits), and returns a code the
        // caller frees with QRcode_free, or NULL (errno says why).
        guard let code = text.withCString({ QRcode_encodeString8bit($0, 0, QR_ECLEVEL_M) }) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else { return nil }
        self.width = width
        // The least significant bit of each byte is the module's colour.
        modules = (0..<(width * width)).map { data[$0] & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * width + x] }

    /// An SVG drawing of the code with the four-module quiet zone the
    /// standard asks for: one path of unit squares, dark on white, scaled
    /// by the viewer (`size` is the rendered size in CSS pixels).
    public func svg(size: Int = 240, label: String = "QR code") -> String {
        let side = width + 8
        var path = ""
        path.reserveCapacity(width * width * 4)
        for y in 0..<width {
            var x = 0
            while x < width {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                // A horizontal run of dark modules is one rectangle.
                var run = 1
                while x + run < width, isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + 4) \(y + 4)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let escaped = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(size)" height="\(size)" \
            shape-rendering="crispEdges" role="img" aria-label="\(escaped)"><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path d="\(path)" fill="#000"/></svg>
            """
    }
}
