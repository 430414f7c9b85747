// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief Reads the Kiro IDE's login (protocol §1.6): `~/.aws/sso/cache/kiro-auth-token.json` and, for IdC
 * logins, the companion `{clientIdHash}.json` next to it.
 *
 * Strictly read-only: the IDE owns and watches these files, so Drawbridge never writes, renames or locks
 * them. Only the companion file the token file names is opened (the folder also holds the AWS CLI's own
 * SSO caches, which are none of our business).
 */
class KiroIdeTokenFile final
{
public:
    struct Credentials
    {
        QString authMethod; ///< "social" | "idc"
        QString provider; ///< "Google", "Github", "BuilderId", "Enterprise", … (may be empty)
        QString refreshToken;
        QString accessToken;
        std::optional<qint64> accessTokenExpiresAtMs;
        QString profileArn;
        QString region; ///< the SSO region of an IdC login; may be empty
        QString clientId; ///< idc only
        QString clientSecret; ///< idc only
        QString companionPath; ///< the IdC companion file that was read, for messages
    };

    /** Files larger than this are not token files; refusing them keeps a mistaken path cheap. */
    static constexpr qint64 maxFileBytes = 1024 * 1024;

    /** `<home>/.aws/sso/cache/kiro-auth-token.json`, the same on every OS. */
    static QString defaultPath();
    /** The credentials in the token file at @p path; the error names the file that failed and why. */
    static Result<Credentials> read(const QString &path);
};

} // namespace Drawbridge
