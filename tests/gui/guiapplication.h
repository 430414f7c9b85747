// SPDX-License-Identifier: MIT
#pragma once

#include <QTest>

#include <functional>
#include <memory>

#include "app/application.h"
#include "app/commandline.h"
#include "gui/widgets/prompter.h"

namespace Drawbridge::Test {

/** A real, self-contained Application: --ephemeral (in-memory database and secrets), port 0. */
inline std::unique_ptr<Application> startEphemeralApplication(const std::function<void(Settings &)> &tweak
                                                              = {})
{
    CommandLine commandLine;
    commandLine.ephemeral = true;
    ResolvedSettings resolved;
    resolved.settings.server.port = 0;
    resolved.settings.admin.authToken = QStringLiteral("test-admin-token-0123456789abcdef");
    if (tweak)
        tweak(resolved.settings);
    auto app = std::make_unique<Application>(commandLine, resolved);
    bool done = false;
    bool ok = false;
    app->start([&](const Status &status) {
        done = true;
        ok = status.ok();
        if (!ok)
            qWarning("application did not start: %s", qPrintable(status.error()));
    });
    if (!QTest::qWaitFor([&] { return done; }, 10'000) || !ok)
        return nullptr;
    return app;
}

/** Answers every question as told and records what was asked. */
class FakePrompter final : public Prompter
{
public:
    bool confirm(QWidget *, const QString &, const QString &question) override
    {
        questions.append(question);
        return answer;
    }
    QString saveFileName(QWidget *, const QString &, const QString &, const QString &) override
    {
        return fileName;
    }
    QString openFileName(QWidget *, const QString &, const QString &, const QString &) override
    {
        return fileName;
    }
    void error(QWidget *, const QString &, const QString &message) override { errors.append(message); }

    bool answer = true;
    QString fileName;
    QStringList questions;
    QStringList errors;
};

} // namespace Drawbridge::Test
