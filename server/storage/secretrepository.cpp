// SPDX-License-Identifier: MIT
#include "secretrepository.h"

#include <QSqlDatabase>

#include "server/core/clock.h"
#include "server/storage/database.h"
#include "server/storage/sqlstatement.h"

namespace Drawbridge {

namespace {

// Sealed values are ASCII (version, key id, base64url), so they are stored and compared as text.
QString text(const QByteArray &sealed)
{
    return QString::fromLatin1(sealed);
}

Status checkSize(const QString &name, const QByteArray &sealed)
{
    if (sealed.size() > SecretRepository::maxSealedBytes)
        return Error { QStringLiteral("secret %1 is larger than %2 bytes")
                           .arg(name)
                           .arg(SecretRepository::maxSealedBytes) };
    return Ok {};
}

} // namespace

SecretRepository::SecretRepository(const Database &database, const Clock &clock)
    : m_database(database), m_clock(clock)
{
}

Result<std::optional<QByteArray>> SecretRepository::readSealed(const QString &name) const
{
    const QString context = QStringLiteral("reading secret %1").arg(name);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, QStringLiteral("SELECT sealed FROM secrets WHERE name = ?"));
    statement.bind(name);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    if (!statement.next())
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(statement.value(0).toString().toLatin1());
}

Status SecretRepository::writeSealed(const QString &name, const QByteArray &sealed)
{
    if (auto fits = checkSize(name, sealed); !fits)
        return fits;
    const QString context = QStringLiteral("writing secret %1").arg(name);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db,
                           QStringLiteral("INSERT INTO secrets (name, sealed, updated_at) VALUES (?, ?, ?)"
                                          " ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed,"
                                          " updated_at = excluded.updated_at"));
    statement.bind(name).bind(text(sealed)).bind(m_clock.nowMs());
    return statement.exec(context);
}

Result<bool> SecretRepository::replaceSealed(const QString &name, const QByteArray &expected,
                                             const QByteArray &sealed)
{
    if (auto fits = checkSize(name, sealed); !fits)
        return Error { fits.error() };
    const QString context = QStringLiteral("re-sealing secret %1").arg(name);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(
        *db, QStringLiteral("UPDATE secrets SET sealed = ?, updated_at = ? WHERE name = ? AND sealed = ?"));
    statement.bind(text(sealed)).bind(m_clock.nowMs()).bind(name).bind(text(expected));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    return statement.rowsAffected() > 0;
}

Status SecretRepository::removeSealed(const QString &name)
{
    const QString context = QStringLiteral("removing secret %1").arg(name);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, QStringLiteral("DELETE FROM secrets WHERE name = ?"));
    statement.bind(name);
    return statement.exec(context);
}

Result<std::vector<std::pair<QString, QByteArray>>> SecretRepository::listSealed() const
{
    const QString context = QStringLiteral("listing secrets");
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, QStringLiteral("SELECT name, sealed FROM secrets ORDER BY name"));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    std::vector<std::pair<QString, QByteArray>> out;
    while (statement.next())
        out.emplace_back(statement.value(0).toString(), statement.value(1).toString().toLatin1());
    return out;
}

} // namespace Drawbridge
