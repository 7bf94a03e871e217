import Foundation
import GRDB
import Testing

@testable import FeedwatchStore

/// The store's direct path for per-story statements binds and reads values as GRDB would: the
/// rows it writes are the rows GRDB's own API writes.
@Suite("store: statements bound directly")
struct DirectStatementTests {
    private func database() throws -> DatabaseQueue {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB, u TEXT UNIQUE)")
        }
        return db
    }

    @Test("empty text and empty bytes stay empty, not NULL; nil is NULL; values round-trip")
    func values() throws {
        let queue = try database()
        try queue.write { db in
            try db.run("INSERT INTO t(n, s, b) VALUES (?, ?, ?)") { a in
                a.add(Int64(-7))
                a.add("")
                a.add([UInt8]())
            }
            try db.run("INSERT INTO t(n, s, b) VALUES (?, ?, ?)") { a in
                a.add(Int64?.none)
                a.add(String?.none)
                a.add(Data?.none)
            }
            try db.run("INSERT INTO t(n, s, b) VALUES (?, ?, ?)") { a in
                a.add(Int64.max)
                a.add("Baghdad – بغداد")
                a.add(Data([0, 1, 0xFF]))
            }
            let rows = try Row.fetchAll(db, sql: "SELECT typeof(n), typeof(s), typeof(b), n, s, b FROM t ORDER BY id")
            #expect(
                rows.map { [$0[0], $0[1], $0[2]] as [String] } == [
                    ["integer", "text", "blob"], ["null", "null", "null"], ["integer", "text", "blob"],
                ])
            #expect(rows[0][4] as String == "")
            #expect(rows[2][3] as Int64 == Int64.max)
            #expect(rows[2][4] as String == "Baghdad – بغداد")
            #expect(rows[2][5] as Data == Data([0, 1, 0xFF]))
            let found = try db.first("SELECT n, b FROM t WHERE s = ?", { $0.add("Baghdad – بغداد") }) { c in
                (c.int64(0), c.data(1), c.isNull(1))
            }
            #expect(found?.0 == Int64.max)
            #expect(found?.1 == Data([0, 1, 0xFF]))
            #expect(found?.2 == false)
            #expect(try db.first("SELECT n FROM t WHERE s = ?", { $0.add("nowhere") }) { $0.int64(0) } == nil)
        }
    }

    @Test("a wrong number of arguments and a failed statement throw with the SQL, and the statement runs again")
    func failures() throws {
        let queue = try database()
        try queue.write { db in
            let insert = "INSERT INTO t(u) VALUES (?)"
            #expect(throws: DatabaseError.self) { try db.run(insert) { _ in } }
            try db.run(insert) { $0.add("Islamic State") }
            let error = #expect(throws: DatabaseError.self) { try db.run(insert) { $0.add("Islamic State") } }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.sql == insert)
            try db.run(insert) { $0.add("Shi'ite armed groups") }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 2)
        }
    }
}
