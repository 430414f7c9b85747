// SPDX-License-Identifier: MIT
#include "imagedataurl.h"

#include <QRegularExpression>
#include <QStringList>

namespace Drawbridge {

std::optional<ImagePart> parseImageDataUrl(const QString &url, const QString &param, QString &error)
{
    // data:image/png;base64,AAAA
    static const QRegularExpression re(QStringLiteral("^data:(image/[a-zA-Z0-9.+-]+);base64,"));
    const QRegularExpressionMatch m = re.match(url);
    if (!m.hasMatch()) {
        error = url.startsWith(QLatin1String("http"))
            ? QStringLiteral(
                "Image URLs are not supported by this gateway; send the image as a data: URL (base64).")
            : QStringLiteral("'%1' must be a data:image/...;base64, URL.").arg(param);
        return std::nullopt;
    }
    const QString mediaType = m.captured(1).toLower();
    static const QStringList supported
        = { QStringLiteral("image/png"), QStringLiteral("image/jpeg"), QStringLiteral("image/jpg"),
            QStringLiteral("image/gif"), QStringLiteral("image/webp") };
    if (!supported.contains(mediaType)) {
        error = QStringLiteral("Unsupported image type '%1'; use png, jpeg, gif or webp.").arg(mediaType);
        return std::nullopt;
    }
    QByteArray data = url.mid(m.capturedLength()).toLatin1();
    if (data.isEmpty()
        || QByteArray::fromBase64Encoding(data, QByteArray::AbortOnBase64DecodingErrors).decodingStatus
            != QByteArray::Base64DecodingStatus::Ok) {
        error = QStringLiteral("'%1' holds invalid base64 data.").arg(param);
        return std::nullopt;
    }
    return ImagePart { mediaType == QLatin1String("image/jpg") ? QStringLiteral("image/jpeg") : mediaType,
                       std::move(data) };
}

} // namespace Drawbridge
