// SPDX-License-Identifier: MIT
#include "database.h"

#include <atomic>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUuid>

#include "server/core/logging.h"

namespace Drawbridge {

namespace {

const QString driverName = QStringLiteral("QSQLITE");
const QString postgresDriverName = QStringLiteral("QPSQL");
// Dynamic property of a connection's QSqlDriver that noteFailure() sets.
constexpr char lostProperty[] = "drawbridgeConnectionLost";

// A serial rather than the OS thread id: ids are reused once a thread ends, and a stale connection of a dead
// thread under a reused name would be refused by QtSql as belonging to another thread.
quint64 currentThreadSerial()
{
    static std::atomic<quint64> next { 1 };
    thread_local const quint64 serial = next.fetch_add(1);
    return serial;
}

QString nextBaseName()
{
    static std::atomic<quint64> next { 1 };
    return QStringLiteral("drawbridge.db%1").arg(next.fetch_add(1));
}

Error sqlError(const QString &context, const QSqlError &error)
{
    return Error { context + QStringLiteral(": ") + error.text() };
}

// Runs a pragma and returns its first result column (empty when it returns no row).
Result<QString> pragma(const QSqlDatabase &db, const QString &statement)
{
    QSqlQuery query(db);
    if (!query.exec(statement))
        return sqlError(statement, query.lastError());
    return query.next() ? query.value(0).toString() : QString();
}

} // namespace

Database::Database(QString filePath, QString sqliteName)
    : m_filePath(std::move(filePath))
    , m_sqliteName(std::move(sqliteName))
    , m_baseName(nextBaseName())
    , m_lifetime(std::make_unique<QObject>())
{
}

Database::Database(const PostgresUrl &url)
    : m_postgres(true), m_url(url), m_baseName(nextBaseName()), m_lifetime(std::make_unique<QObject>())
{
}

Database::~Database()
{
    // Hooks of still-running threads must not fire into a half-destroyed object.
    m_lifetime.reset();
    QSet<QString> names;
    {
        std::lock_guard lock(m_mutex);
        names.swap(m_connections);
        m_statements.clear();
    }
    for (const QString &name : std::as_const(names))
        QSqlDatabase::removeDatabase(name);
}

Result<std::unique_ptr<Database>> Database::open(const QString &filePath)
{
    if (filePath.isEmpty())
        return Error { QStringLiteral("no database file path given") };
    const QFileInfo info(filePath);
    if (info.exists() && !info.isFile())
        return Error { QStringLiteral("database path %1 exists but is not a file").arg(filePath) };
    if (!QDir().mkpath(info.absolutePath()))
        return Error { QStringLiteral("cannot create the database directory %1").arg(info.absolutePath()) };

    std::unique_ptr<Database> db(new Database(info.absoluteFilePath(), info.absoluteFilePath()));
    db->m_primaryName = db->connectionName();
    auto primary = db->openConnection(db->m_primaryName, true);
    if (!primary)
        return Error { QStringLiteral("cannot open database %1: %2").arg(filePath, primary.error()) };
    qCDebug(lcStorage) << "opened database" << filePath;
    return db;
}

Result<std::unique_ptr<Database>> Database::openInMemory()
{
    // The memdb VFS with a name starting with "/" is shared by all connections of this process that use the
    // same name, and, unlike "mode=memory&cache=shared", it keeps SQLite's ordinary file locking: a busy
    // writer makes other connections wait for busy_timeout instead of failing at once with SQLITE_LOCKED
    // (shared-cache table locks ignore the busy handler).
    const QString name = QStringLiteral("file:/drawbridge-%1-%2?vfs=memdb")
                             .arg(QCoreApplication::applicationPid())
                             .arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
    std::unique_ptr<Database> db(new Database(QString(), name));
    db->m_primaryName = db->connectionName();
    auto primary = db->openConnection(db->m_primaryName, false);
    if (!primary)
        return Error { QStringLiteral("cannot open the in-memory database: %1").arg(primary.error()) };
    return db;
}

Result<std::unique_ptr<Database>> Database::openPostgres(const PostgresUrl &url)
{
    std::unique_ptr<Database> db(new Database(url));
    db->m_primaryName = db->connectionName();
    auto primary = db->openConnection(db->m_primaryName, false);
    if (!primary)
        // libpq's messages span lines; the start-up failure is reported as one.
        return Error {
            QStringLiteral("cannot open database %1: %2").arg(url.redacted(), primary.error().simplified())
        };
    qCDebug(lcStorage) << "opened database" << url.redacted();
    return db;
}

QString Database::displayName() const
{
    if (m_postgres)
        return m_url.redacted();
    return isInMemory() ? QStringLiteral(":memory:") : m_filePath;
}

QString Database::connectionName() const
{
    return m_baseName + QStringLiteral("@t") + QString::number(currentThreadSerial());
}

Result<QSqlDatabase> Database::connection() const
{
    const QString name = connectionName();
    bool lost = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_connections.contains(name)) {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            const QSqlDriver *driver = db.driver();
            if (!m_postgres || !driver || !driver->property(lostProperty).toBool())
                return db;
            lost = true;
        }
    }
    if (lost) {
        qCWarning(lcStorage) << "the connection to" << displayName() << "was lost; connecting again";
        removeConnection(name);
        ++m_reconnects;
    }
    return openConnection(name, false);
}

bool Database::isConnectionLost(const QSqlError &error)
{
    if (error.type() == QSqlError::ConnectionError)
        return true;
    const QString code = error.nativeErrorCode();
    // SQLSTATE 08xxx: connection exceptions; 57P01-57P03: the server is shutting down or not accepting.
    if (code.startsWith(QLatin1String("08")) || code == QLatin1String("57P01")
        || code == QLatin1String("57P02") || code == QLatin1String("57P03"))
        return true;
    // libpq reports a dead socket without an SQLSTATE.
    static const QLatin1String phrases[] = {
        QLatin1String("server closed the connection"),  QLatin1String("terminating connection"),
        QLatin1String("no connection to the server"),   QLatin1String("could not receive data from server"),
        QLatin1String("could not send data to server"), QLatin1String("connection to server was lost"),
    };
    const QString text = error.text();
    for (const QLatin1String &phrase : phrases) {
        if (text.contains(phrase, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

bool Database::isMarkedLost(const QSqlDatabase &db)
{
    const QSqlDriver *driver = db.driver();
    return driver && driver->property(lostProperty).toBool();
}

void Database::noteFailure(const QSqlQuery &query)
{
    const QSqlDriver *driver = query.driver();
    if (!driver || driver->dbmsType() != QSqlDriver::PostgreSQL || !isConnectionLost(query.lastError()))
        return;
    // Marked on the connection's driver, which only its thread uses: connection() then replaces it.
    const_cast<QSqlDriver *>(driver)->setProperty(lostProperty, true);
}

void Database::releaseConnection() const
{
    const QString name = connectionName();
    if (name == m_primaryName)
        return;
    removeConnection(name);
}

Result<QSqlQuery *> Database::cachedStatement(const QString &sql) const
{
    auto db = connection();
    if (!db)
        return Error { db.error() };
    const QString name = connectionName();
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_statements.find(name); it != m_statements.end()) {
            if (auto found = it->find(sql); found != it->end())
                return found->get();
        }
    }
    auto query = std::make_shared<QSqlQuery>(*db);
    query->setForwardOnly(true);
    if (!query->prepare(sql)) {
        noteFailure(*query);
        return Error { QStringLiteral("cannot prepare \"%1\": %2").arg(sql, query->lastError().text()) };
    }
    std::lock_guard lock(m_mutex);
    m_statements[name].insert(sql, query);
    return query.get();
}

int Database::cachedStatementCount() const
{
    std::lock_guard lock(m_mutex);
    int count = 0;
    for (const auto &perConnection : m_statements)
        count += int(perConnection.size());
    return count;
}

void Database::removeConnection(const QString &name) const
{
    {
        std::lock_guard lock(m_mutex);
        // Statements first: a QSqlQuery must not outlive the driver of its connection.
        m_statements.remove(name);
        if (!m_connections.remove(name))
            return;
    }
    QSqlDatabase::removeDatabase(name);
}

Result<QSqlDatabase> Database::openConnection(const QString &name, bool verifyIntegrity) const
{
    Status configured = Ok {};
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(m_postgres ? postgresDriverName : driverName, name);
        if (!db.isValid()) {
            return Error { m_postgres
                               ? QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not available: install "
                                                "libqt6sql6-psql")
                               : QStringLiteral("the Qt SQLite driver (QSQLITE) is not available") };
        }
        if (m_postgres) {
            m_url.applyTo(db);
        } else {
            db.setDatabaseName(m_sqliteName);
            if (isInMemory())
                db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_URI"));
        }
        if (!db.open()) {
            configured = sqlError(QStringLiteral("open"), db.lastError());
        } else {
            configured = configure(db, verifyIntegrity);
            if (!configured)
                db.close();
        }
    }
    // Only now, with the local handle gone, can the connection be removed without QtSql warning it is in use.
    if (!configured) {
        QSqlDatabase::removeDatabase(name);
        return Error { configured.error() };
    }
    {
        std::lock_guard lock(m_mutex);
        m_connections.insert(name);
    }
    watchThreadEnd(name);
    return QSqlDatabase::database(name, false);
}

Status Database::configure(const QSqlDatabase &db, bool verifyIntegrity) const
{
    if (m_postgres) {
        // Times are stored as epoch milliseconds, so the session time zone only matters to humans reading
        // the database; UTC keeps psql output and the ledger's hour buckets in agreement.
        for (const auto &statement :
             { QStringLiteral("SET TIME ZONE 'UTC'"),
               QStringLiteral("SET statement_timeout = %1").arg(postgresStatementTimeoutMs) }) {
            QSqlQuery query(db);
            if (!query.exec(statement))
                return sqlError(statement, query.lastError());
        }
        return Ok {};
    }
    // busy_timeout first: the integrity check needs a read lock another process may briefly hold.
    if (auto r = pragma(db, QStringLiteral("PRAGMA busy_timeout = %1").arg(busyTimeoutMs)); !r)
        return Error { r.error() };

    // Before anything that could write: a file that is not a database, or a damaged one, is reported and left
    // exactly as it is, so the user can recover it. SQLite reads lazily, so this is the first real read.
    if (verifyIntegrity) {
        QSqlQuery check(db);
        if (!check.exec(QStringLiteral("PRAGMA quick_check"))) {
            return Error { QStringLiteral("%1 is not a usable SQLite database (%2); it was left untouched")
                               .arg(m_filePath, check.lastError().text()) };
        }
        QStringList problems;
        while (check.next())
            problems << check.value(0).toString();
        if (problems != QStringList { QStringLiteral("ok") }) {
            return Error { QStringLiteral("%1 is corrupt (quick_check: %2); it was left untouched")
                               .arg(m_filePath, problems.mid(0, 5).join(QStringLiteral("; "))) };
        }
    }

    if (!isInMemory()) {
        // WAL lets the ledger write while the admin API and GUI read; the memdb VFS has no WAL.
        auto mode = pragma(db, QStringLiteral("PRAGMA journal_mode = WAL"));
        if (!mode)
            return Error { mode.error() };
        if (mode->compare(QStringLiteral("wal"), Qt::CaseInsensitive) != 0)
            qCWarning(lcStorage) << "database" << m_filePath << "stays in journal mode" << *mode
                                 << "(WAL unsupported here?)";
    }
    // NORMAL is durable in WAL mode except for the last transactions before a power loss, which is fine for
    // metadata and usage counters and saves an fsync per commit.
    for (const auto &statement :
         { QStringLiteral("PRAGMA synchronous = NORMAL"), QStringLiteral("PRAGMA foreign_keys = ON") }) {
        if (auto r = pragma(db, statement); !r)
            return Error { r.error() };
    }
    return Ok {};
}

void Database::watchThreadEnd(const QString &name) const
{
    QThread *thread = QThread::currentThread();
    if (!thread || thread == m_lifetime->thread())
        return;
    // finished is emitted by the ending thread itself, so with a direct connection the connection is removed
    // in the thread that owns it. Threads Qt did not start emit it as well (QAdoptedThread, when they exit).
    QObject::connect(
        thread, &QThread::finished, m_lifetime.get(), [this, name] { removeConnection(name); },
        Qt::DirectConnection);
}

} // namespace Drawbridge
