import CLibPQ
import Glibc
import PrestartSystem

/// The libpq functions prestart calls, resolved from `libpq.so.5` with `dlopen` the first time a PostgreSQL URL is
/// read or a connection opened, never at start-up.
///
/// Linked in, libpq and its dependency tree (GSSAPI, Kerberos, LDAP and through it GnuTLS: 20 shared objects) cost
/// every start about 2 ms of loading and relocating, and their pages stay resident in the PID-1 supervisor, even
/// for a config with no database or a SQLite one. `CLibPQ` still gives the types and constants; nothing links it.
///
/// - Important: `RTLD_LOCAL`, so libpq's symbols never resolve another library's references (libcrypto is shared
///   with prestart's own checksum either way: the same soname is loaded once).
struct LibPQ: @unchecked Sendable {
    typealias Connection = OpaquePointer
    typealias Result = OpaquePointer
    typealias StringArray = UnsafePointer<UnsafePointer<CChar>?>

    let connectStartParams: @convention(c) (StringArray?, StringArray?, Int32) -> Connection?
    let connectPoll: @convention(c) (Connection?) -> PostgresPollingStatusType
    let status: @convention(c) (Connection?) -> ConnStatusType
    let socket: @convention(c) (Connection?) -> Int32
    let errorMessage: @convention(c) (Connection?) -> UnsafeMutablePointer<CChar>?
    let setErrorVerbosity: @convention(c) (Connection?, PGVerbosity) -> PGVerbosity
    let setNoticeReceiver:
        @convention(c) (Connection?, PQnoticeReceiver?, UnsafeMutableRawPointer?) -> PQnoticeReceiver?
    let serverVersion: @convention(c) (Connection?) -> Int32
    let transactionStatus: @convention(c) (Connection?) -> PGTransactionStatusType
    let finish: @convention(c) (Connection?) -> Void

    let exec: @convention(c) (Connection?, UnsafePointer<CChar>?) -> Result?
    let execParams:
        @convention(c) (
            Connection?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?, StringArray?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?, Int32
        ) -> Result?
    let sendQueryParams:
        @convention(c) (
            Connection?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?, StringArray?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?, Int32
        ) -> Int32
    let getResult: @convention(c) (Connection?) -> Result?
    let enterPipelineMode: @convention(c) (Connection?) -> Int32
    let exitPipelineMode: @convention(c) (Connection?) -> Int32
    let pipelineSync: @convention(c) (Connection?) -> Int32
    let consumeInput: @convention(c) (Connection?) -> Int32
    let notifies: @convention(c) (Connection?) -> UnsafeMutablePointer<PGnotify>?
    let putCopyEnd: @convention(c) (Connection?, UnsafePointer<CChar>?) -> Int32
    let getCopyData: @convention(c) (Connection?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, Int32) -> Int32

    let resultStatus: @convention(c) (Result?) -> ExecStatusType
    let resultErrorField: @convention(c) (Result?, Int32) -> UnsafeMutablePointer<CChar>?
    let resultErrorMessage: @convention(c) (Result?) -> UnsafeMutablePointer<CChar>?
    let cmdStatus: @convention(c) (Result?) -> UnsafeMutablePointer<CChar>?
    let ntuples: @convention(c) (Result?) -> Int32
    let nfields: @convention(c) (Result?) -> Int32
    let getisnull: @convention(c) (Result?, Int32, Int32) -> Int32
    let getvalue: @convention(c) (Result?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    let getlength: @convention(c) (Result?, Int32, Int32) -> Int32
    let clear: @convention(c) (Result?) -> Void
    let freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void

    let getCancel: @convention(c) (Connection?) -> OpaquePointer?
    let cancel: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32
    let freeCancel: @convention(c) (OpaquePointer?) -> Void

    let conninfoParse:
        @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
            -> UnsafeMutablePointer<PQconninfoOption>?
    let conninfoFree: @convention(c) (UnsafeMutablePointer<PQconninfoOption>?) -> Void

    /// libpq's ABI has been `libpq.so.5` since PostgreSQL 8.0; pipeline mode (`PQenterPipelineMode`) needs 14.
    static let soname = "libpq.so.5"

    /// The functions, or why PostgreSQL cannot be used here: opened once, on first use (a global's initializer
    /// runs once, thread-safely), and never closed.
    static let library: Swift.Result<LibPQ, Unavailable> = open(soname)

    /// The functions, or the reason they cannot be had, as a client error (not a connection failure, which a wait
    /// step would retry until its timeout: a missing library does not appear by itself).
    static func load() throws(DatabaseError) -> LibPQ {
        switch library {
        case .success(let functions): return functions
        case .failure(let unavailable): throw unavailable.databaseError
        }
    }

    /// Why libpq cannot be used: the library is not installed, or is older than prestart needs.
    struct Unavailable: Error, Sendable {
        var message: String

        var databaseError: DatabaseError { DatabaseError(kind: .client, message: message) }
    }

    /// Opens `soname` as libpq; only ``library`` calls it outside tests.
    static func open(_ soname: String) -> Swift.Result<LibPQ, Unavailable> {
        switch SharedLibrary.open([soname]) {
        case .success(let library):
            do throws(Unavailable) {
                return .success(try LibPQ(library, soname: soname))
            } catch {
                return .failure(error)
            }
        case .failure(let failure):
            return .failure(
                Unavailable(
                    message: "PostgreSQL support needs libpq (Debian: libpq5), which cannot be opened: \(failure.reason)"))
        }
    }

    private init(_ library: SharedLibrary, soname: String) throws(Unavailable) {
        func symbol<T>(_ name: String) throws(Unavailable) -> T {
            guard let function = library.symbol(name, as: T.self) else {
                throw Unavailable(
                    message: "PostgreSQL support needs libpq 14 or later (Debian: libpq5); the \(soname) here "
                        + "lacks \(name)")
            }
            return function
        }
        connectStartParams = try symbol("PQconnectStartParams")
        connectPoll = try symbol("PQconnectPoll")
        status = try symbol("PQstatus")
        socket = try symbol("PQsocket")
        errorMessage = try symbol("PQerrorMessage")
        setErrorVerbosity = try symbol("PQsetErrorVerbosity")
        setNoticeReceiver = try symbol("PQsetNoticeReceiver")
        serverVersion = try symbol("PQserverVersion")
        transactionStatus = try symbol("PQtransactionStatus")
        finish = try symbol("PQfinish")
        exec = try symbol("PQexec")
        execParams = try symbol("PQexecParams")
        sendQueryParams = try symbol("PQsendQueryParams")
        getResult = try symbol("PQgetResult")
        enterPipelineMode = try symbol("PQenterPipelineMode")
        exitPipelineMode = try symbol("PQexitPipelineMode")
        pipelineSync = try symbol("PQpipelineSync")
        consumeInput = try symbol("PQconsumeInput")
        notifies = try symbol("PQnotifies")
        putCopyEnd = try symbol("PQputCopyEnd")
        getCopyData = try symbol("PQgetCopyData")
        resultStatus = try symbol("PQresultStatus")
        resultErrorField = try symbol("PQresultErrorField")
        resultErrorMessage = try symbol("PQresultErrorMessage")
        cmdStatus = try symbol("PQcmdStatus")
        ntuples = try symbol("PQntuples")
        nfields = try symbol("PQnfields")
        getisnull = try symbol("PQgetisnull")
        getvalue = try symbol("PQgetvalue")
        getlength = try symbol("PQgetlength")
        clear = try symbol("PQclear")
        freemem = try symbol("PQfreemem")
        getCancel = try symbol("PQgetCancel")
        cancel = try symbol("PQcancel")
        freeCancel = try symbol("PQfreeCancel")
        conninfoParse = try symbol("PQconninfoParse")
        conninfoFree = try symbol("PQconninfoFree")
    }

    /// A string libpq returns; libpq's own never-NULL strings (`PQerrorMessage`, `PQcmdStatus` of a result) read
    /// as "" if one ever were.
    static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
