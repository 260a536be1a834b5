import ColdChain
import Control

extension GatewayConfig {
    /// The fridge a control request names, or `not_found` with the ones configured (one wording for every command).
    func fridge(_ id: String) throws(ControlFailure) -> Fridge {
        guard let f = fridges.first(where: { $0.id == id }) else {
            throw ControlFailure(.notFound, "no fridge '\(id.truncated(40))'; configured: \(fridges.map(\.id).joined(separator: ", "))")
        }
        return f
    }
}
