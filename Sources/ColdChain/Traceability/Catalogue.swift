/// What the clinic's vaccines are called: a GTIN (GS1 codes) or a Chinese product id (the first 7 digits of a
/// 20-digit traceability code) mapped to the product's name, manufacturer, specification and doses per package.
/// Every human output shows the name beside the code. Read from a CSV file (`catalogue` in the config) whose rows
/// another program wrote: each row is checked, and a bad row is refused with its number without losing the rest.
public struct Catalogue: Sendable, Equatable {
    public struct Product: Sendable, Equatable, Codable {
        /// `gs1:GTIN` or `cn:PRODUCTID`, as a dose's product is recorded.
        public var key: String
        public var name: String
        public var manufacturer: String?
        public var specification: String?
        public var dosesPerPackage: Int?

        enum CodingKeys: String, CodingKey { case key, name, manufacturer, specification, dosesPerPackage = "doses_per_package" }
        public init(key: String, name: String, manufacturer: String? = nil, specification: String? = nil, dosesPerPackage: Int? = nil) {
            self.key = key; self.name = name; self.manufacturer = manufacturer; self.specification = specification
            self.dosesPerPackage = dosesPerPackage
        }
    }

    public private(set) var products: [String: Product] = [:]
    public init(_ products: [Product] = []) { for p in products { self.products[p.key] = p } }

    /// The product a dose's product key names, if the catalogue knows it.
    public subscript(product key: String) -> Product? { products[key] }
    /// The name of the product `key` names, if known.
    public func name(_ key: String) -> String? { products[key]?.name }

    /// Most products a catalogue may hold (a county's whole list is a few hundred).
    public static let maxProducts = 20_000
    /// Largest catalogue file read (20,000 rows of about 200 bytes, with room).
    public static let maxBytes = 8 << 20
    /// Longest name, manufacturer and specification, in characters.
    public static let maxName = 64
    public static let maxManufacturer = 100
    public static let maxSpecification = 64
    /// The header row, in this order (README).
    public static let header = ["code", "name", "manufacturer", "specification", "doses_per_package"]

    /// A row refused, with why.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public var row: Int
        public var reason: String
        public var description: String { "row \(row): \(reason)" }
        public init(row: Int, reason: String) { self.row = row; self.reason = reason }
    }

    /// Why the whole file is refused (its header, its size), or the catalogue of the rows that read, with the
    /// refusals of the rest.
    public static func parse(csv bytes: [UInt8]) -> Result<(Catalogue, [Refusal]), CatalogueError> {
        guard bytes.count <= maxBytes else { return .failure(.init("the file is \(bytes.count) bytes; a catalogue is at most \(maxBytes >> 20) MiB")) }
        var rows = CSVReader.rows(bytes)[...]
        guard let head = rows.popFirst() else { return .failure(.init("the file is empty; its first row is the header: \(header.joined(separator: ","))")) }
        let names = head.fields.map { $0.trimmingSpaces.lowercased() }
        guard head.problem == nil, names == header else {
            return .failure(.init("the first row must be the header \(header.joined(separator: ",")) (found: \(head.fields.joined(separator: ",").truncated(120).escapedForTerminal))"))
        }
        guard rows.count <= maxProducts else { return .failure(.init("\(rows.count) products; a catalogue holds at most \(maxProducts)")) }
        var catalogue = Catalogue()
        var firstRow: [String: Int] = [:]
        var refusals: [Refusal] = []
        for row in rows {
            switch product(row) {
            case .failure(let problem): refusals.append(Refusal(row: row.number, reason: problem.reason))
            case .success(let p):
                if let earlier = firstRow[p.key] {
                    refusals.append(Refusal(row: row.number, reason: "\(p.key) is already row \(earlier)"))
                    continue
                }
                firstRow[p.key] = row.number
                catalogue.products[p.key] = p
            }
        }
        return .success((catalogue, refusals))
    }

    /// One row read as a product, or why not.
    static func product(_ row: CSVReader.Row) -> Result<Product, RowProblem> {
        if let problem = row.problem { return .failure(RowProblem(problem)) }
        let f = row.fields.map(\.trimmingSpaces)
        guard f.count == header.count else { return .failure(RowProblem("\(f.count) fields; a row has \(header.count) (\(header.joined(separator: ",")))")) }
        let code = f[0]
        let key: String
        if code.utf8.count == 14 && code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard GS1.isGTIN(code) else { return .failure(RowProblem("code \(code): the GTIN's check digit is wrong")) }
            key = "gs1:\(code)"
        } else if code.utf8.count == 7 && code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            key = "cn:\(code)"
        } else {
            return .failure(RowProblem("code '\(code.truncated(30).escapedForTerminal)' is neither a 14-digit GTIN nor a 7-digit product id"))
        }
        let name: String?, manufacturer: String?, specification: String?
        do throws(FieldProblem) {
            name = try PersonText.field(f[1], "name", max: maxName, required: true).get()
            manufacturer = try PersonText.field(f[2], "manufacturer", max: maxManufacturer, required: false).get()
            specification = try PersonText.field(f[3], "specification", max: maxSpecification, required: false).get()
        } catch {
            return .failure(RowProblem(error.reason))
        }
        var doses: Int?
        if !f[4].isEmpty {
            guard f[4].utf8.count <= 4, let n = Int(f[4]), (1...1000).contains(n) else {
                return .failure(RowProblem("doses_per_package '\(f[4].truncated(20).escapedForTerminal)' is not a whole number from 1 to 1000"))
            }
            doses = n
        }
        return .success(Product(key: key, name: name!, manufacturer: manufacturer, specification: specification, dosesPerPackage: doses))
    }
}

/// Why one row is refused.
struct RowProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

public struct CatalogueError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
