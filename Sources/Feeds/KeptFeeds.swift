import FileKit
import Foundation

/// What a later run needs to leave an owner's feed file as it is and still
/// copy its components into everyone's feed: its manifest entry, where its
/// components are in the file, the zones and years its header covers
/// (everyone's header covers every owner's), and the identity of the file
/// that holds them (a file changed since, by anyone, is not reused).
public struct KeptFeed: Codable, Sendable, Equatable {
    public var entry: FeedEntry
    /// The components' bytes: after the header and VTIMEZONEs, before the footer.
    public var body: Range<UInt64>
    public var zones: [String]
    /// The first and last year its times fall in; nil for a feed with none.
    public var years: ClosedRange<Int>?
    public var file: FileIdentity

    /// Whether the file in `folder` is still the one described.
    func isInPlace(in folder: String) -> Bool {
        FileIdentity(regularFileAt: (folder as NSString).appendingPathComponent(entry.file)) == file
    }

    var span: FeedSpan { FeedSpan(zones: Set(zones), years: years) }
}

/// An owner's two feeds, as a run wrote them.
public struct KeptOwnerFeeds: Codable, Sendable, Equatable {
    public var events: KeptFeed
    public var tasks: KeptFeed

    /// Whether both files in `folder` are still the ones described.
    public func areInPlace(in folder: String) -> Bool {
        events.isInPlace(in: folder) && tasks.isInPlace(in: folder)
    }
}
