// SPDX-License-Identifier: MIT
// Helper of tst_usageledger: records usage under load into the database named on the command line, reporting
// progress on stdout, until the test kills it with SIGKILL.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <cstdio>

#include "server/core/clock.h"
#include "server/core/requestrecord.h"
#include "server/storage/database.h"
#include "server/storage/migrations.h"
#include "server/storage/usageledger.h"

using namespace Drawbridge;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DATABASE\n", argv[0]);
        return 2;
    }
    auto db = Database::open(QString::fromLocal8Bit(argv[1]));
    if (!db) {
        std::fprintf(stderr, "%s\n", qPrintable(db.error()));
        return 1;
    }
    {
        auto connection = (*db)->connection();
        if (!connection || !Migrations::migrate(*connection)) {
            std::fprintf(stderr, "cannot prepare the database\n");
            return 1;
        }
    }
    SystemClock clock;
    UsageLedgerOptions options;
    options.flushIntervalMs = 20;
    options.maxBatch = 500;
    UsageLedger ledger(**db, clock, options);
    if (!ledger.start()) {
        std::fprintf(stderr, "cannot start the ledger\n");
        return 1;
    }
    const QStringList keys = { QStringLiteral("aaaa2222"), QStringLiteral("bbbb3333") };
    qint64 handed = 0;
    QElapsedTimer timer;
    timer.start();
    // Bounded, in case the test dies without killing us.
    for (int loop = 0; timer.elapsed() < 120'000; ++loop) {
        for (int i = 0; i < 25; ++i) {
            RequestRecord r;
            r.startedMs = clock.nowMs();
            r.keyId = keys[i % 2];
            r.accountId = QStringLiteral("acct-1");
            r.model = QStringLiteral("kiro");
            r.endpoint = QStringLiteral("chat");
            r.status = QStringLiteral("success");
            r.httpStatus = 200;
            r.usage.promptTokens = 100;
            r.usage.completionTokens = 20;
            r.usage.hasCredits = true;
            r.usage.credits = 0.125;
            ledger.requestFinished(r);
            ++handed;
        }
        if (loop % 10 == 9) {
            std::printf("handed %lld committed %llu\n", handed,
                        static_cast<unsigned long long>(ledger.committedRecords()));
            std::fflush(stdout);
        }
        QThread::usleep(500);
    }
    return 3;
}
