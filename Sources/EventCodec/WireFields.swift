#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TwinwatchCore

/// The keys of DESIGN §3 that events and feedback messages may carry; everything else is skipped.
enum WireKey: Int, CaseIterable {
    case eventID, ts, model, modelVersion, cohort, score, decision, threshold, latencyMs, status, stage, label
    case window, embedding, embeddingB64, relevantRank

    var name: String {
        switch self {
        case .eventID: "event_id"
        case .ts: "ts"
        case .model: "model"
        case .modelVersion: "model_version"
        case .cohort: "cohort"
        case .score: "score"
        case .decision: "decision"
        case .threshold: "threshold"
        case .latencyMs: "latency_ms"
        case .status: "status"
        case .stage: "stage"
        case .label: "label"
        case .window: "window"
        case .embedding: "embedding"
        case .embeddingB64: "embedding_b64"
        case .relevantRank: "relevant_rank"
        }
    }

    /// The key spelled by the `n` bytes at `p`, if it is one of ours. Runs for every key of every
    /// message, so it dispatches on length and first byte before comparing bytes.
    static func match(_ p: UnsafePointer<UInt8>, _ n: Int) -> WireKey? {
        func equals(_ name: StaticString) -> Bool {
            memcmp(p, name.utf8Start, n) == 0
        }
        guard n >= 2 else { return nil }
        switch (n, p[0]) {
        case (2, UInt8(ascii: "t")): return equals("ts") ? .ts : nil
        case (5, UInt8(ascii: "m")): return equals("model") ? .model : nil
        case (5, UInt8(ascii: "s")): return equals("score") ? .score : equals("stage") ? .stage : nil
        case (5, UInt8(ascii: "l")): return equals("label") ? .label : nil
        case (6, UInt8(ascii: "c")): return equals("cohort") ? .cohort : nil
        case (6, UInt8(ascii: "s")): return equals("status") ? .status : nil
        case (6, UInt8(ascii: "w")): return equals("window") ? .window : nil
        case (8, UInt8(ascii: "e")): return equals("event_id") ? .eventID : nil
        case (8, UInt8(ascii: "d")): return equals("decision") ? .decision : nil
        case (9, UInt8(ascii: "t")): return equals("threshold") ? .threshold : nil
        case (9, UInt8(ascii: "e")): return equals("embedding") ? .embedding : nil
        case (10, UInt8(ascii: "l")): return equals("latency_ms") ? .latencyMs : nil
        case (13, UInt8(ascii: "m")): return equals("model_version") ? .modelVersion : nil
        case (13, UInt8(ascii: "e")): return equals("embedding_b64") ? .embeddingB64 : nil
        case (13, UInt8(ascii: "r")): return equals("relevant_rank") ? .relevantRank : nil
        default: return nil
        }
    }
}

/// What one JSON message said, before validation. `null` values count as absent.
struct WireFields {
    var eventID: String?
    var timestampMs: Int64?
    /// A `ts` string that is not RFC 3339; reported after the other checks, as the Foundation decoder did.
    var timestampError: JSONScanError?
    var model: String?
    var modelVersion: String?
    var cohort: String?
    var score: Double?
    var decision: String?
    var threshold: Double?
    var latencyMs: Double?
    var status: String?
    var stage: String?
    var label: Int?
    /// Read (and type-checked) but not kept: the golden files' baseline/current marker.
    var window: String?
    var embedding: [Float]?
    /// Index of the first embedding value that is not a finite float32 (NaN token, or beyond Float's range).
    var firstNonFinite: Int?
    var relevantRank: Int?

    /// Parses one JSON object into these (empty) fields; `models` sizes the embedding buffer when
    /// `model` came first. Filled in place: the struct is ~300 bytes, and returning it by value
    /// copied it twice per message.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, models: ModelCatalog) throws(JSONScanError) {
        try JSONScanner.scanning(bytes) { (s) throws(JSONScanError) in try read(&s, models: models) }
    }

    private mutating func read(_ s: inout JSONScanner, models: ModelCatalog) throws(JSONScanError) {
        s.skipWhitespace()
        guard !s.atEnd else { throw s.error("empty message") }
        try s.expect(UInt8(ascii: "{"), "'{' (an event is a JSON object)")
        var seen: UInt32 = 0
        if try s.peek(expecting: "a key or '}'") == UInt8(ascii: "}") {
            s.pos += 1
        } else {
            while true {
                s.skipWhitespace()
                let keyOffset = s.pos
                let r = try s.stringRange()
                try s.expect(UInt8(ascii: ":"), "':' after a key")
                let key: WireKey?
                if r.escaped {
                    let unescaped = try s.unescape(r.start, r.end)
                    key = unescaped.withUnsafeBufferPointer { WireKey.match($0.baseAddress ?? s.base, $0.count) }
                } else {
                    key = WireKey.match(s.base + r.start, r.end - r.start)
                }
                if let key {
                    // Parsers disagree on which duplicate wins (first, last, error): refuse the ambiguity.
                    guard seen & (1 << key.rawValue) == 0 else { throw s.error("duplicate key \"\(key.name)\"", at: keyOffset) }
                    seen |= 1 << key.rawValue
                    if !s.consumeNull() {
                        do throws(JSONScanError) {
                            try readValue(of: key, &s, models: models)
                        } catch {
                            throw error.inContext(of: key)
                        }
                    }
                } else {
                    try s.skipValue(depth: 1)
                }
                let next = try s.peek(expecting: "',' or '}'")
                s.pos += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else {
                    throw s.error("expected ',' or '}', found \(JSONScanner.describe(next))", at: s.pos - 1)
                }
            }
        }
        s.skipWhitespace()
        guard s.atEnd else { throw s.error("trailing data after the object") }
    }

    private mutating func readValue(of key: WireKey, _ s: inout JSONScanner, models: ModelCatalog) throws(JSONScanError) {
        switch key {
        case .eventID: eventID = try s.string()
        case .model: model = try s.string(interning: models)
        case .modelVersion: modelVersion = try s.string()
        case .cohort: cohort = try s.string()
        case .decision: decision = try s.string()
        case .status: status = try s.string()
        case .stage: stage = try s.string()
        case .window: window = try s.string()
        case .score: score = try s.number()
        case .threshold: threshold = try s.number()
        case .latencyMs: latencyMs = try s.number()
        case .relevantRank: relevantRank = Int(try s.integer(in: 0...Int64(Int32.max), "relevant_rank"))
        case .label:
            let c = try s.peek(expecting: "a label")
            if c == UInt8(ascii: "t") || c == UInt8(ascii: "f") {
                label = try s.bool() ? 1 : 0
            } else {
                label = Int(try s.integer(in: 0...1, "label (1 = genuine, 0 = impostor)"))
            }
        case .ts:
            if try s.peek(expecting: "a timestamp") == UInt8(ascii: "\"") {
                let r = try s.stringRange()
                let ms = r.escaped
                    ? try s.unescape(r.start, r.end).withUnsafeBufferPointer { RFC3339Bytes.millis($0.baseAddress ?? s.base, count: $0.count) }
                    : RFC3339Bytes.millis(s.base + r.start, count: r.end - r.start)
                if let ms {
                    timestampMs = ms
                } else {
                    let text = String(decoding: UnsafeBufferPointer(start: s.base + r.start, count: r.end - r.start), as: UTF8.self)
                    timestampError = s.error("\"\(text.prefix(64))\" is not RFC 3339", at: r.start - 1)
                }
            } else {
                timestampMs = try s.integer(in: -(1 << 53)...(1 << 53), "epoch milliseconds")
            }
        case .embedding:
            guard embedding == nil else { throw s.error("both embedding and embedding_b64") }
            let hint = model.flatMap { models.dimension(of: $0) } ?? 256
            try readFloats(&s, capacity: hint)
        case .embeddingB64:
            guard embedding == nil else { throw s.error("both embedding and embedding_b64") }
            // JSON encoders may write "/" as "\/"; escapes are rare, so only then is there a copy.
            // The fast scan stops at the first '"' without looking for escapes: a backslash makes the
            // base64 decoder fail, and only then is the string read again with escapes.
            s.skipWhitespace()
            let fastStart = s.pos
            // The end is found with `memchr` even when the model's dimension gives the length: a
            // message fresh from the network is rarely in cache, and the vectorized scan has all of
            // the text's cache misses in flight at once, where the decode loop alone would wait
            // for them a line at a time (measured: same speed on cached input, ~8 % faster in the
            // median on the bench's 3 MB corpus on a loaded machine). A '"' inside the text only
            // cuts it short: it then fails to decode or has the wrong dimension.
            let plain = try s.plainStringRangeUnchecked()
            if let floats = try? Base64Floats.decode(s.base + plain.start, count: plain.end - plain.start) {
                embedding = floats
            } else {
                s.pos = fastStart
                try readBase64(&s)
            }
            firstNonFinite = EVT1.firstNonFinite(embedding!)
        }
    }

    /// `embedding_b64` the careful way: escapes resolved, errors located.
    private mutating func readBase64(_ s: inout JSONScanner) throws(JSONScanError) {
        let r = try s.stringRange()
        let text = r.escaped ? try s.unescape(r.start, r.end) : []
        do throws(Base64Floats.DecodeError) {
            if r.escaped {
                embedding = try text.withUnsafeBufferPointer { (t) throws(Base64Floats.DecodeError) in
                    try Base64Floats.decode(t.baseAddress ?? s.base, count: t.count)
                }
            } else {
                embedding = try Base64Floats.decode(s.base + r.start, count: r.end - r.start)
            }
        } catch {
            throw s.error(error.message, at: r.start + (r.escaped ? 0 : error.offset))
        }
    }

    /// The event these fields describe (`eventID` and `model` present), before validation. The
    /// strings and the embedding are taken out, not copied: a copy costs an atomic retain here and
    /// a release when the fields go away, for each of them, on every message.
    mutating func takeEvent(fallbackTimestampMs: Int64?) -> InferenceEvent {
        InferenceEvent(
            eventID: eventID.take()!, timestampMs: timestampMs ?? fallbackTimestampMs ?? 0, model: model.take()!,
            modelVersion: modelVersion.take(), cohort: cohort.take() ?? "default", score: score,
            embedding: embedding.take(), threshold: threshold, decision: decision.take(), stage: stage.take(),
            status: status.take(), latencyMs: latencyMs, label: label)
    }

    /// The `embedding` array, sized by the model's dimension when `model` came first (else 256).
    private mutating func readFloats(_ s: inout JSONScanner, capacity: Int) throws(JSONScanError) {
        let array = try s.floatArray(capacityHint: capacity)
        embedding = array.values
        firstNonFinite = array.firstNonFinite
    }
}

extension JSONScanError {
    /// The same error, with the key being read named in front of the message.
    func inContext(of key: WireKey) -> JSONScanError {
        message.hasPrefix(key.name) ? self : inContext(key.name)
    }

    func inContext(_ context: String) -> JSONScanError {
        JSONScanError(reason: reason, message: "\(context): \(message)", offset: offset)
    }
}
