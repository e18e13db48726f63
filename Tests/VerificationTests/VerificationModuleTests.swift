import Testing
import TwinwatchCore
import Verification

@Suite("Verification module")
struct VerificationModuleTests {
    @Test("the module links") func links() { _ = Verification.self }
}
