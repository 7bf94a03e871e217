import Foundation
import GRDB
internal import GRDBSQLite

/// The store's per-story statements, bound, stepped and read through SQLite's C API, on
/// statements that GRDB prepares and caches.
///
/// Why: a cold cycle runs a few statements for each of tens of thousands of new stories, and
/// through GRDB's argument arrays and rows (an existential box per value, an object per row,
/// columns looked up by name) the store's writer spent as much time in Swift's runtime as in
/// SQLite (`perf record --call-graph dwarf`, stop 22). GRDB still prepares, caches and finalises
/// these statements and runs the transactions they are part of; only what happens per row is
/// direct. Used only inside transactions GRDB opened, for statements no transaction observer
/// watches (the store has none).
extension Database {
    /// Runs `sql` (an INSERT, UPDATE or DELETE) with the arguments `bind` adds, in order.
    func run(_ sql: String, _ bind: (inout Bindings) -> Void) throws {
        try step(sql, bind) { _ in false }
    }

    /// The first row of the query `sql`, with the arguments `bind` adds, as `read` reads it; nil
    /// when the query has no row.
    func first<T>(_ sql: String, _ bind: (inout Bindings) -> Void, _ read: (Columns) -> T) throws -> T? {
        var found: T?
        try step(sql, bind) { columns in
            found = read(columns)
            return false
        }
        return found
    }

    /// Every row of the query `sql` (bound as `first` binds), as `read` reads each.
    func all<T>(_ sql: String, _ bind: (inout Bindings) -> Void, _ read: (Columns) -> T) throws -> [T] {
        var rows: [T] = []
        try step(sql, bind) { columns in
            rows.append(read(columns))
            return true
        }
        return rows
    }

    /// Binds the cached statement, steps it, handing each row to `row` while it returns true, and
    /// resets it for its next use.
    private func step(_ sql: String, _ bind: (inout Bindings) -> Void, _ row: (Columns) -> Bool) throws {
        let statement = try cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var bindings = Bindings(handle: handle)
        bind(&bindings)
        guard bindings.code == SQLITE_OK, bindings.count == sqlite3_bind_parameter_count(handle) else {
            throw failure(bindings.code == SQLITE_OK ? SQLITE_MISUSE : bindings.code, statement)
        }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: if !row(Columns(handle: handle)) { return }
            case SQLITE_DONE: return
            case let code: throw failure(code, statement)
            }
        }
    }

    private func failure(_ code: CInt, _ statement: Statement) -> DatabaseError {
        let message = sqlite3_errmsg(sqliteConnection).map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}

/// The arguments of one execution, bound as they are added. SQLite copies each value
/// (`SQLITE_TRANSIENT`), so none needs to outlive the call that adds it.
struct Bindings {
    fileprivate let handle: OpaquePointer
    /// Arguments added so far.
    fileprivate(set) var count: CInt = 0
    /// The first failure to bind, if any (reported by `Database.run` and `first`).
    fileprivate var code = SQLITE_OK

    fileprivate init(handle: OpaquePointer) { self.handle = handle }

    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

    private mutating func add(_ bind: (OpaquePointer, CInt) -> CInt) {
        count += 1
        let result = bind(handle, count)
        if code == SQLITE_OK { code = result }
    }

    mutating func add(_ value: Int64?) {
        guard let value else { return add { sqlite3_bind_null($0, $1) } }
        add { sqlite3_bind_int64($0, $1, value) }
    }

    mutating func add(_ value: String?) {
        guard var value else { return add { sqlite3_bind_null($0, $1) } }
        value.withUTF8 { utf8 in
            // An empty string's text has no address, and a null address would bind NULL.
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                return add { sqlite3_bind_text($0, $1, "", 0, nil) }
            }
            base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { text in
                add { sqlite3_bind_text($0, $1, text, CInt(utf8.count), Self.transient) }
            }
        }
    }

    /// Bytes as a BLOB (an empty one too: SQLite would bind a missing buffer as NULL).
    mutating func add(_ bytes: [UInt8]?) {
        guard let bytes else { return add { sqlite3_bind_null($0, $1) } }
        bytes.withUnsafeBytes { raw in addBlob(raw) }
    }

    mutating func add(_ data: Data?) {
        guard let data else { return add { sqlite3_bind_null($0, $1) } }
        data.withUnsafeBytes { raw in addBlob(raw) }
    }

    private mutating func addBlob(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, raw.count > 0 else { return add { sqlite3_bind_zeroblob($0, $1, 0) } }
        add { sqlite3_bind_blob($0, $1, base, CInt(raw.count), Self.transient) }
    }
}

/// The columns of the current row, by position (0 first).
struct Columns {
    fileprivate let handle: OpaquePointer

    func int64(_ i: CInt) -> Int64 { sqlite3_column_int64(handle, i) }

    func isNull(_ i: CInt) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }

    /// A BLOB column's bytes (empty for NULL).
    func data(_ i: CInt) -> Data {
        guard let p = sqlite3_column_blob(handle, i) else { return Data() }
        return Data(bytes: p, count: Int(sqlite3_column_bytes(handle, i)))
    }
}
