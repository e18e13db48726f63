import ArgumentParser
import StateStore

struct BaselinePromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Make a baseline its model's active one (the previous active one is retired, atomically).")

    @Argument(help: "Baseline id.")
    var id: Int64

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try store.openStore()
        let (promoted, replaced) = try await storeCall("promote \(id)") { () async throws(StoreError) in try await db.promote(id: id) }
        print("baseline \(promoted.id) (\(promoted.model) v\(promoted.version)) is active"
            + (replaced.map { "; baseline \($0.id) (v\($0.version)) retired" } ?? ""))
    }
}

struct BaselineRetireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire", abstract: "Retire a baseline (a retired active baseline leaves its model unevaluated until another is promoted).")

    @Argument(help: "Baseline id.")
    var id: Int64

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try store.openStore()
        let info = try await storeCall("retire \(id)") { () async throws(StoreError) in try await db.retire(id: id) }
        print("baseline \(info.id) (\(info.model) v\(info.version)) retired")
    }
}
