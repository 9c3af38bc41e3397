internal import CLibical

/// Owns one libical component (`icalcomponent *`) and frees it exactly once.
///
/// A component that is added to a parent is handed off with `consuming`, so
/// the Swift owner ends there and only the parent frees it.
struct ComponentHandle: ~Copyable {
    private var raw: OpaquePointer

    init(kind: icalcomponent_kind) throws(ICalError) {
        guard let raw = icalcomponent_new(kind) else {
            throw ICalError.current("creating a component")
        }
        self.raw = raw
    }

    /// Takes ownership of a component the caller owns (a clone or a parse result).
    init(owning raw: OpaquePointer) {
        self.raw = raw
    }

    deinit { icalcomponent_free(raw) }

    /// libical: `icalcomponent_add_property` makes the component the owner of
    /// the property; it is freed with the component.
    mutating func add(_ property: consuming PropertyHandle) {
        icalcomponent_add_property(raw, property.release())
    }

    /// libical: `icalcomponent_add_component` makes this component the parent
    /// and owner of the child.
    mutating func add(_ child: consuming ComponentHandle) {
        icalcomponent_add_component(raw, child.release())
    }

    /// Serialises the component with the `_r` variant, which returns a buffer
    /// the caller owns (the plain variant returns libical's ring buffer, which
    /// must not be freed). The buffer is freed here with
    /// `icalmemory_free_buffer`, after its bytes have been copied out.
    func serialized() throws(ICalError) -> [UInt8] {
        guard let text = icalcomponent_as_ical_string_r(raw) else {
            throw ICalError.current("serialising a component")
        }
        defer { icalmemory_free_buffer(text) }
        var bytes: [UInt8] = []
        LineFolder.refold(text, appendingTo: &bytes)
        return bytes
    }

    /// The VCALENDARs of a parse result: itself, or the children of an XROOT.
    /// The pointers are owned by this component.
    func calendars() -> [OpaquePointer] {
        if icalcomponent_isa(raw) == ICAL_VCALENDAR_COMPONENT { return [raw] }
        return Array(children(of: raw, ICAL_VCALENDAR_COMPONENT))
    }

    /// The component, lent to `body` for libical calls that read or change
    /// it in place (and its children, which it owns): the pointer is valid
    /// only while the handle lives, and is never freed by the borrower.
    func withBorrowed<T, E: Error>(_ body: (OpaquePointer) throws(E) -> T) throws(E) -> T {
        try body(raw)
    }

    /// Gives up ownership without freeing.
    consuming func release() -> OpaquePointer {
        let raw = self.raw
        discard self
        return raw
    }
}

/// Owns one libical property until it is handed to a component.
struct PropertyHandle: ~Copyable {
    private let raw: OpaquePointer

    /// Takes ownership of a property returned by an `icalproperty_new_*`
    /// constructor; a nil result is libical's error, reported with context.
    init(_ raw: OpaquePointer?, _ context: @autoclosure () -> String) throws(ICalError) {
        guard let raw else { throw ICalError.current(context()) }
        self.raw = raw
    }

    deinit { icalproperty_free(raw) }

    /// libical: `icalproperty_add_parameter` makes the property the owner of
    /// the parameter.
    func add(parameter: OpaquePointer?) {
        guard let parameter else { return }
        icalproperty_add_parameter(raw, parameter)
    }

    /// Names an X- property (libical copies the name).
    func setXName(_ name: String) {
        icalproperty_set_x_name(raw, name)
    }

    /// The property's text from the `_r` serialiser: the caller owns the
    /// buffer and frees it with `icalmemory_free_buffer`.
    func serialized() -> UnsafeMutablePointer<CChar>? {
        icalproperty_as_ical_string_r(raw)
    }

    consuming func release() -> OpaquePointer {
        let raw = self.raw
        discard self
        return raw
    }
}

// MARK: - Walking the tree

/// The children or the properties of a component, of one kind or of any,
/// in order: borrowed, each owned by the component and valid while it lives,
/// never to be freed. Every walk of libical's tree goes through this.
///
/// libical keeps one cursor per component for its children and one for its
/// properties (`_get_first_` resets it, `_get_next_` moves it): a walk must
/// not start another walk of the same component's children (or properties)
/// inside it.
struct TreeWalk: Sequence, IteratorProtocol {
    private let first: () -> OpaquePointer?
    private let following: () -> OpaquePointer?
    private var started = false

    fileprivate init(first: @escaping () -> OpaquePointer?, next: @escaping () -> OpaquePointer?) {
        self.first = first
        following = next
    }

    mutating func next() -> OpaquePointer? {
        defer { started = true }
        return started ? following() : first()
    }
}

/// A component's children.
func children(of component: OpaquePointer, _ kind: icalcomponent_kind = ICAL_ANY_COMPONENT) -> TreeWalk {
    TreeWalk(first: { icalcomponent_get_first_component(component, kind) }, next: { icalcomponent_get_next_component(component, kind) })
}

/// A component's properties.
func properties(of component: OpaquePointer, _ kind: icalproperty_kind = ICAL_ANY_PROPERTY) -> TreeWalk {
    TreeWalk(first: { icalcomponent_get_first_property(component, kind) }, next: { icalcomponent_get_next_property(component, kind) })
}

extension ICalError {
    /// Reads and clears libical's global error number.
    static func current(_ context: String) -> ICalError {
        let code = followup_icalerrno()
        followup_icalerror_clear()
        if code == ICAL_NO_ERROR { return ICalError(context: context) }
        return ICalError(context: context, libicalError: String(cString: icalerror_strerror(code)))
    }
}
