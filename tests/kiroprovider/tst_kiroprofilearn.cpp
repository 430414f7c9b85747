// SPDX-License-Identifier: MIT
// profileArn on the chat path (docs/kiro.md): a social account's requests carry the profile from its latest
// token refresh, and when the service moves the account to another profile the next refresh's ARN is used.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <memory>

#include "kiroaccountfixture.h"
#include "server/kiroprovider/kiroprovider.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

struct Sink final : ProviderSink
{
    void onStart(const ProviderStartInfo &) override { }
    void onTextDelta(const QString &t) override { text += t; }
    void onReasoningDelta(const QString &) override { }
    void onToolCallStart(int, const QString &, const QString &) override { }
    void onToolCallArgumentsDelta(int, const QString &) override { }
    void onUsage(const Usage &) override { }
    void onKeepAlive() override { }
    void onFinish(FinishReason) override { done = true; }
    void onError(const ProviderError &e) override
    {
        done = true;
        error = e.message;
    }
    bool done = false;
    QString text;
    QString error;
};

ChatRequest chat()
{
    ChatRequest r;
    r.requestedModel = QStringLiteral("kiro");
    r.upstreamModel = QStringLiteral("claude-sonnet-4.5");
    ChatMessage m;
    m.role = Role::User;
    m.text = QStringLiteral("hello");
    r.messages.push_back(m);
    return r;
}

QString sentArn(const FakeKiroUpstream::RecordedRequest &r)
{
    return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("profileArn")).toString();
}

} // namespace

class TstKiroProfileArn : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void followsTheLatestRefresh();
};

void TstKiroProfileArn::followsTheLatestRefresh()
{
    KiroAccountFixture f;
    QVERIFY2(f.isValid(), qPrintable(f.errorString()));
    f.startManager();
    KiroProvider::Options o;
    o.transientRetryDelayMs = 10;
    KiroProvider provider(*f.pool, *f.manager, f.http, f.clock, f.settings, o);
    const auto added = f.add(f.socialAccount(QStringLiteral("alice")));
    QVERIFY2(added.ok(), qPrintable(added.failure.message));
    const QString oldArn = FakeKiroUpstream::Account().profileArn;
    const QString newArn = QStringLiteral("arn:aws:codewhisperer:eu-central-1:111122223333:profile/MOVED");

    Sink first;
    auto call1 = provider.start(chat(), &first);
    QTRY_VERIFY(first.done);
    QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
    QCOMPARE(sentArn(f.fake.requests(QStringLiteral("/generateAssistantResponse")).last()), oldArn);

    // The service moves the account: the old profile is refused with 403, a refresh returns the new one.
    f.fake.setProfileArn(QStringLiteral("alice"), newArn);
    f.fake.clearRecords();
    Sink second;
    auto call2 = provider.start(chat(), &second);
    QTRY_VERIFY(second.done);
    QVERIFY2(second.error.isEmpty(), qPrintable(second.error));
    const auto chats = f.fake.requests(QStringLiteral("/generateAssistantResponse"));
    QCOMPARE(chats.size(), 2);
    QCOMPARE(chats.first().status, 403);
    QCOMPARE(sentArn(chats.last()), newArn);
    QCOMPARE(chats.last().status, 200);
    QCOMPARE(f.stored(added.account->record.id)->profileArn, newArn);
}

QTEST_GUILESS_MAIN(TstKiroProfileArn)
#include "tst_kiroprofilearn.moc"
