// SPDX-License-Identifier: MIT
#include "usagewriter.h"

#include <QHash>
#include <QSqlError>
#include <QVariant>

#include <algorithm>
#include <bit>
#include <tuple>

#include "server/storage/database.h"
#include "server/storage/sqldialect.h"
#include "server/storage/usagereport.h"

namespace Drawbridge {

namespace {

Error sqlError(const QString &context, const QSqlError &error)
{
    return Error { context + QStringLiteral(": ") + error.text() };
}

// After a failed statement: a lost PostgreSQL connection is marked, so the ledger connects again.
Error failed(const QString &context, const QSqlQuery &query)
{
    Database::noteFailure(query);
    return sqlError(context, query.lastError());
}

// NULL for "none" in usage_records (its columns are nullable); usage_hourly uses '' instead (see migrations).
QVariant nullableText(const QString &text)
{
    return text.isEmpty() ? QVariant() : QVariant(text);
}

struct HourlyKey
{
    qint64 hourStartMs;
    QString keyId;
    QString accountId;
    QString model;

    friend bool operator==(const HourlyKey &, const HourlyKey &) = default;
};

size_t qHash(const HourlyKey &k, size_t seed = 0)
{
    return qHashMulti(seed, k.hourStartMs, k.keyId, k.accountId, k.model);
}

// usage_records' columns, in the order insertRecords() and insertRecordsDirect() bind them.
constexpr int recordColumns = 16;

QString insertSql(int rows)
{
    QString sql
        = QStringLiteral("INSERT INTO usage_records (ts_ms, key_id, account_id, model, status, http_status,"
                         " prompt_tokens, completion_tokens, tokens_estimated, credits, latency_ms, ttft_ms,"
                         " stream, endpoint, cache_read_tokens, cache_write_tokens) VALUES ");
    const QString row
        = QLatin1Char('(') + QStringLiteral("?, ").repeated(recordColumns - 1) + QStringLiteral("?)");
    for (int i = 0; i < rows; ++i) {
        if (i > 0)
            sql += QStringLiteral(", ");
        sql += row;
    }
    return sql;
}

constexpr char upsertHourlySql[]
    = "INSERT INTO usage_hourly (hour_start_ms, key_id, account_id, model, requests, errors,"
      " prompt_tokens, completion_tokens, credits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      // Qualified: PostgreSQL refuses a bare column here as ambiguous with excluded's.
      " ON CONFLICT (hour_start_ms, key_id, account_id, model) DO UPDATE SET"
      " requests = usage_hourly.requests + excluded.requests,"
      " errors = usage_hourly.errors + excluded.errors,"
      " prompt_tokens = usage_hourly.prompt_tokens + excluded.prompt_tokens,"
      " completion_tokens = usage_hourly.completion_tokens + excluded.completion_tokens,"
      " credits = usage_hourly.credits + excluded.credits";

// Forward only (KeyRepository::markUsed semantics): batches may carry older times than a previous one.
constexpr char markUsedSql[]
    = "UPDATE api_keys SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ?"
      " THEN ? ELSE last_used_at END WHERE id = ?";

} // namespace

UsageWriter::UsageWriter(const QSqlDatabase &db, SqliteAccess access)
    : m_db(db)
    , m_upsertHourly(db)
    , m_markUsed(db)
    , m_prune(db)
    , m_sqlite(access == SqliteAccess::Direct ? SqliteStatement::handleOf(db) : nullptr)
{
}

QSqlQuery *UsageWriter::insertStatement(int rows)
{
    // One statement per power of two up to maxRowsPerInsert, prepared when first needed: a batch of n records
    // is then at most n / maxRowsPerInsert + log2(maxRowsPerInsert) + 1 statements, each one round trip in
    // team mode (PostgreSQL), instead of n.
    const int slot = std::countr_zero(unsigned(rows));
    std::unique_ptr<QSqlQuery> &query = m_insertRecords[size_t(slot)];
    if (query)
        return query.get();
    auto prepared = std::make_unique<QSqlQuery>(m_db);
    if (!prepared->prepare(insertSql(rows))) {
        m_lastPrepareError = failed(QStringLiteral("preparing the usage insert"), *prepared);
        return nullptr;
    }
    query = std::move(prepared);
    return query.get();
}

Status UsageWriter::insertRecords(const RequestRecord *records, int count)
{
    QSqlQuery *insert = insertStatement(count);
    if (!insert)
        return m_lastPrepareError;
    for (const RequestRecord *r = records; r != records + count; ++r) {
        insert->addBindValue(r->startedMs);
        insert->addBindValue(nullableText(r->keyId));
        insert->addBindValue(nullableText(r->accountId));
        insert->addBindValue(r->model.isNull() ? QString(QLatin1String("")) : r->model);
        insert->addBindValue(r->status.isNull() ? QString(QLatin1String("")) : r->status);
        insert->addBindValue(r->httpStatus);
        insert->addBindValue(r->usage.promptTokens);
        insert->addBindValue(r->usage.completionTokens);
        insert->addBindValue(r->usage.tokensEstimated ? 1 : 0);
        insert->addBindValue(r->usage.hasCredits ? QVariant(r->usage.credits) : QVariant());
        insert->addBindValue(r->latencyMs);
        insert->addBindValue(r->ttftMs >= 0 ? QVariant(r->ttftMs) : QVariant());
        insert->addBindValue(r->stream ? 1 : 0);
        insert->addBindValue(r->endpoint.isNull() ? QString(QLatin1String("")) : r->endpoint);
        insert->addBindValue(r->usage.cacheReadTokens);
        insert->addBindValue(r->usage.cacheWriteTokens);
    }
    if (!insert->exec())
        return failed(QStringLiteral("appending %1 usage record(s)").arg(count), *insert);
    return Ok {};
}

SqliteStatement *UsageWriter::directInsertStatement(int rows)
{
    const int slot = std::countr_zero(unsigned(rows));
    std::unique_ptr<SqliteStatement> &statement = m_insertRecordsDirect[size_t(slot)];
    if (statement)
        return statement.get();
    auto prepared = std::make_unique<SqliteStatement>();
    if (Status status = prepared->prepare(m_sqlite, insertSql(rows).toUtf8()); !status) {
        m_lastPrepareError = status;
        return nullptr;
    }
    statement = std::move(prepared);
    return statement.get();
}

Status UsageWriter::insertRecordsDirect(const RequestRecord *records, int count)
{
    SqliteStatement *s = directInsertStatement(count);
    if (!s)
        return m_lastPrepareError;
    // The same values as insertRecords() binds, column by column (tst_usageledger compares the rows).
    int p = 0;
    for (const RequestRecord *r = records; r != records + count; ++r, p += recordColumns) {
        s->bindInt64(p + 1, r->startedMs);
        r->keyId.isEmpty() ? s->bindNull(p + 2) : s->bindText(p + 2, r->keyId);
        r->accountId.isEmpty() ? s->bindNull(p + 3) : s->bindText(p + 3, r->accountId);
        s->bindTextOrEmpty(p + 4, r->model);
        s->bindTextOrEmpty(p + 5, r->status);
        s->bindInt64(p + 6, r->httpStatus);
        s->bindInt64(p + 7, r->usage.promptTokens);
        s->bindInt64(p + 8, r->usage.completionTokens);
        s->bindInt64(p + 9, r->usage.tokensEstimated ? 1 : 0);
        r->usage.hasCredits ? s->bindDouble(p + 10, r->usage.credits) : s->bindNull(p + 10);
        s->bindInt64(p + 11, r->latencyMs);
        r->ttftMs >= 0 ? s->bindInt64(p + 12, r->ttftMs) : s->bindNull(p + 12);
        s->bindInt64(p + 13, r->stream ? 1 : 0);
        s->bindTextOrEmpty(p + 14, r->endpoint);
        s->bindInt64(p + 15, r->usage.cacheReadTokens);
        s->bindInt64(p + 16, r->usage.cacheWriteTokens);
    }
    return s->run("appending usage records");
}

Status UsageWriter::prepareDirect()
{
    const std::tuple<SqliteStatement *, QByteArray> statements[] = {
        { &m_begin, SqlDialect::beginWrite(m_db).toUtf8() },
        { &m_commit, QByteArrayLiteral("COMMIT") },
        { &m_rollback, QByteArrayLiteral("ROLLBACK") },
        { &m_upsertHourlyDirect, QByteArray(upsertHourlySql) },
        { &m_markUsedDirect, QByteArray(markUsedSql) },
    };
    for (const auto &[statement, sql] : statements) {
        if (Status prepared = statement->prepare(m_sqlite, sql); !prepared)
            return prepared;
    }
    return Ok {};
}

Status UsageWriter::prepare()
{
    if (m_prepared)
        return Ok {};
    if (m_sqlite) {
        if (!directInsertStatement(1))
            return m_lastPrepareError;
        if (Status prepared = prepareDirect(); !prepared)
            return prepared;
    } else if (!insertStatement(1)) {
        return m_lastPrepareError;
    }
    // The direct path prepares only the prune here (a rare, bounded statement).
    const std::tuple<QSqlQuery *, QString> statements[] = {
        { m_sqlite ? nullptr : &m_upsertHourly, QString::fromLatin1(upsertHourlySql) },
        { m_sqlite ? nullptr : &m_markUsed, QString::fromLatin1(markUsedSql) },
        // Oldest first through the ts index, a bounded number per step, so no step holds the write lock long.
        { &m_prune,
          QStringLiteral("DELETE FROM usage_records WHERE id IN"
                         " (SELECT id FROM usage_records WHERE ts_ms < ? ORDER BY ts_ms LIMIT ?)") },
    };
    for (const auto &[query, sql] : statements) {
        if (query && !query->prepare(sql))
            return failed(QStringLiteral("preparing usage statements"), *query);
    }
    m_prepared = true;
    return Ok {};
}

Status UsageWriter::write(const std::vector<RequestRecord> &records)
{
    if (records.empty())
        return Ok {};
    if (auto prepared = prepare(); !prepared)
        return prepared;
    if (m_sqlite) {
        // The same transaction as below, on statements prepared once.
        if (Status begun = m_begin.run("starting a usage batch"); !begun)
            return begun;
        Status written = writeRows(records);
        if (written)
            written = m_commit.run("committing a usage batch");
        if (!written) // its own failure adds nothing to the error that caused it (as below)
            std::ignore = m_rollback.run("rolling back a usage batch");
        return written;
    }
    QSqlQuery begin(m_db);
    // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a mid-transaction BUSY.
    if (!begin.exec(SqlDialect::beginWrite(m_db)))
        return failed(QStringLiteral("starting a usage batch"), begin);
    Status written = writeRows(records);
    QSqlQuery end(m_db);
    if (written && end.exec(QStringLiteral("COMMIT")))
        return Ok {};
    if (written)
        written = failed(QStringLiteral("committing a usage batch"), end);
    QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
    return written;
}

Status UsageWriter::writeRows(const std::vector<RequestRecord> &records)
{
    // Rows in order, in chunks of maxRowsPerInsert and then the remainder's powers of two, largest first.
    const int total = int(records.size());
    for (int done = 0; done < total;) {
        const int left = total - done;
        const int rows = left >= maxRowsPerInsert ? maxRowsPerInsert : int(std::bit_floor(unsigned(left)));
        Status inserted = m_sqlite ? insertRecordsDirect(records.data() + done, rows)
                                   : insertRecords(records.data() + done, rows);
        if (!inserted)
            return inserted;
        done += rows;
    }

    QHash<HourlyKey, UsageTotals> hourly;
    QHash<QString, qint64> lastUsed;
    for (const RequestRecord &r : records) {
        UsageTotals &t
            = hourly[HourlyKey { usageBucketStart(r.startedMs, usageHourMs), r.keyId, r.accountId, r.model }];
        t.requests += 1;
        t.errors += r.status == QLatin1String("success") ? 0 : 1;
        t.promptTokens += r.usage.promptTokens;
        t.completionTokens += r.usage.completionTokens;
        t.credits += r.usage.hasCredits ? r.usage.credits : 0.0;

        // Requests without a key (401s) are recorded, but there is no key row to touch.
        if (!r.keyId.isEmpty()) {
            auto it = lastUsed.find(r.keyId);
            if (it == lastUsed.end())
                lastUsed.insert(r.keyId, r.startedMs);
            else
                *it = std::max(*it, r.startedMs);
        }
    }

    for (auto it = hourly.cbegin(); it != hourly.cend(); ++it) {
        if (m_sqlite) {
            SqliteStatement &s = m_upsertHourlyDirect;
            s.bindInt64(1, it.key().hourStartMs);
            s.bindTextOrEmpty(2, it.key().keyId);
            s.bindTextOrEmpty(3, it.key().accountId);
            s.bindTextOrEmpty(4, it.key().model);
            s.bindInt64(5, it->requests);
            s.bindInt64(6, it->errors);
            s.bindInt64(7, it->promptTokens);
            s.bindInt64(8, it->completionTokens);
            s.bindDouble(9, it->credits);
            if (Status upserted = s.run("updating the hourly usage rollup"); !upserted)
                return upserted;
            continue;
        }
        // QString() would bind NULL, which the NOT NULL key columns refuse; '' means "none" there.
        const auto text = [](const QString &s) { return s.isNull() ? QString(QLatin1String("")) : s; };
        m_upsertHourly.addBindValue(it.key().hourStartMs);
        m_upsertHourly.addBindValue(text(it.key().keyId));
        m_upsertHourly.addBindValue(text(it.key().accountId));
        m_upsertHourly.addBindValue(text(it.key().model));
        m_upsertHourly.addBindValue(it->requests);
        m_upsertHourly.addBindValue(it->errors);
        m_upsertHourly.addBindValue(it->promptTokens);
        m_upsertHourly.addBindValue(it->completionTokens);
        m_upsertHourly.addBindValue(it->credits);
        if (!m_upsertHourly.exec())
            return failed(QStringLiteral("updating the hourly usage rollup"), m_upsertHourly);
    }

    for (auto it = lastUsed.cbegin(); it != lastUsed.cend(); ++it) {
        if (m_sqlite) {
            m_markUsedDirect.bindInt64(1, it.value());
            m_markUsedDirect.bindInt64(2, it.value());
            m_markUsedDirect.bindText(3, it.key());
            if (Status marked = m_markUsedDirect.run("marking an api key used"); !marked)
                return marked;
            continue;
        }
        m_markUsed.addBindValue(it.value());
        m_markUsed.addBindValue(it.value());
        m_markUsed.addBindValue(it.key());
        if (!m_markUsed.exec())
            return failed(QStringLiteral("marking api key %1 used").arg(it.key()), m_markUsed);
    }
    return Ok {};
}

Result<int> UsageWriter::pruneStep(qint64 cutoffMs, int maxRows)
{
    if (auto prepared = prepare(); !prepared)
        return Error { prepared.error() };
    m_prune.addBindValue(cutoffMs);
    m_prune.addBindValue(maxRows);
    if (!m_prune.exec())
        return failed(QStringLiteral("pruning old usage records"), m_prune);
    return m_prune.numRowsAffected();
}

} // namespace Drawbridge
