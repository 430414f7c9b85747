// SPDX-License-Identifier: MIT
#include <QTest>

#include "server/gateway/imagedataurl.h"

using namespace Drawbridge;

class TstImageDataUrl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
};

void TstImageDataUrl::parse_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("mediaType"); // empty: refused
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("error");

    const QString param = QStringLiteral("messages[0].content[1].image_url.url");
    QTest::newRow("png") << QStringLiteral("data:image/png;base64,aGVsbG8=") << QStringLiteral("image/png")
                         << QByteArray("aGVsbG8=") << QString();
    QTest::newRow("jpg-is-jpeg") << QStringLiteral("data:image/jpg;base64,aGk=")
                                 << QStringLiteral("image/jpeg") << QByteArray("aGk=") << QString();
    QTest::newRow("upper-case-type") << QStringLiteral("data:image/WEBP;base64,aGk=")
                                     << QStringLiteral("image/webp") << QByteArray("aGk=") << QString();
    QTest::newRow("remote") << QStringLiteral("https://example.com/a.png") << QString() << QByteArray()
                            << QStringLiteral(
                                   "Image URLs are not supported by this gateway; send the image as a "
                                   "data: URL (base64).");
    QTest::newRow("not-a-data-url")
        << QStringLiteral("data:text/plain;base64,aGk=") << QString() << QByteArray()
        << QStringLiteral("'%1' must be a data:image/...;base64, URL.").arg(param);
    QTest::newRow("unsupported-type")
        << QStringLiteral("data:image/tiff;base64,aGk=") << QString() << QByteArray()
        << QStringLiteral("Unsupported image type 'image/tiff'; use png, jpeg, gif "
                          "or webp.");
    QTest::newRow("empty-data") << QStringLiteral("data:image/png;base64,") << QString() << QByteArray()
                                << QStringLiteral("'%1' holds invalid base64 data.").arg(param);
    QTest::newRow("bad-base64") << QStringLiteral("data:image/png;base64,a*b=") << QString() << QByteArray()
                                << QStringLiteral("'%1' holds invalid base64 data.").arg(param);
}

void TstImageDataUrl::parse()
{
    QFETCH(QString, url);
    QFETCH(QString, mediaType);
    QFETCH(QByteArray, data);
    QFETCH(QString, error);

    QString actualError;
    const auto image
        = parseImageDataUrl(url, QStringLiteral("messages[0].content[1].image_url.url"), actualError);
    QCOMPARE(image.has_value(), !mediaType.isEmpty());
    QCOMPARE(actualError, error);
    if (image) {
        QCOMPARE(image->mediaType, mediaType);
        QCOMPARE(image->base64Data, data);
    }
}

QTEST_GUILESS_MAIN(TstImageDataUrl)
#include "tst_imagedataurl.moc"
