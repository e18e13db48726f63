/// Builds well-formed XML markup — the HTML document and its inline SVG plots — into one string.
/// Every text and attribute value passes through `escape`, so user data (cohort names, reasons,
/// sources) can never open a tag or an entity.
struct Markup {
    private(set) var text = ""

    /// An empty builder with room for `capacity` UTF-8 bytes.
    init(capacity: Int = 1 << 16) { text.reserveCapacity(capacity) }

    /// Appends markup that is already well-formed (a fragment made by another `Markup`).
    mutating func raw(_ markup: String) { text += markup }

    /// `<tag a="v" …>`.
    mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        text += "<"
        text += tag
        appendAttributes(attributes)
        text += ">"
    }

    /// `</tag>`.
    mutating func close(_ tag: String) {
        text += "</"
        text += tag
        text += ">"
    }

    /// `<tag a="v" …>escaped content</tag>`.
    mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String) {
        open(tag, attributes)
        text += Self.escape(content)
        close(tag)
    }

    /// `<tag>escaped content</tag>`.
    mutating func element(_ tag: String, _ content: String) { element(tag, [:], content) }

    /// `<tag a="v" … />`: SVG elements without content and HTML void elements.
    mutating func empty(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        text += "<"
        text += tag
        appendAttributes(attributes)
        text += "/>"
    }

    /// Escaped character data.
    mutating func content(_ s: String) { text += Self.escape(s) }

    private mutating func appendAttributes(_ attributes: KeyValuePairs<String, String>) {
        for (name, value) in attributes {
            text += " "
            text += name
            text += "=\""
            text += Self.escape(value)
            text += "\""
        }
    }

    /// `s` safe as XML character data and as a double- or single-quoted attribute value: `& < > " '`
    /// become character references, and characters XML 1.0 forbids (C0 controls other than tab, line
    /// feed and carriage return; U+FFFE, U+FFFF) become U+FFFD, so the document always parses.
    static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(isForbidden(scalar) ? "\u{FFFD}" : scalar)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "&", "<", ">", "\"", "'": true
        default: isForbidden(scalar)
        }
    }

    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || scalar.value == 0xFFFE || scalar.value == 0xFFFF
    }
}
