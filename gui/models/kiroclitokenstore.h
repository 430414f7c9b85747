// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "server/core/result.h"
#include "server/kiroprovider/kiroaccounttypes.h"

namespace Drawbridge {

/**
 * @brief Reads the login kept by kiro-cli (the Kiro command line, formerly Amazon Q Developer CLI) so the
 * desktop app can offer to import it.
 *
 * kiro-cli keeps its login in a SQLite database, `data.sqlite3` in its data folder
 * (`$XDG_DATA_HOME/kiro-cli`, default `~/.local/share/kiro-cli`): the table `auth_kv` holds JSON values under
 * `kirocli:social:token` (Google/GitHub), `kirocli:odic:token` (Builder ID / IAM Identity Center, with the
 * registered OIDC client under `kirocli:odic:device-registration`) or, from Amazon Q days,
 * `codewhisperer:odic:token` and `codewhisperer:odic:device-registration`; the table `state` holds the
 * selected profile under `api.codewhisperer.profile` (`{"arn": …}`).
 *
 * Strictly read-only: the database is opened read-only and never written, since kiro-cli owns it.
 */
class KiroCliTokenStore final
{
public:
    /** Larger files are not kiro-cli's database; refusing them keeps a mistaken path cheap. */
    static constexpr qint64 maxFileBytes = 256LL * 1024 * 1024;
    /** A JSON value in auth_kv larger than this is not a login. */
    static constexpr int maxValueBytes = 64 * 1024;

    /** `$XDG_DATA_HOME/kiro-cli/data.sqlite3`, `$XDG_DATA_HOME` defaulting to `$HOME/.local/share`. */
    static QString defaultPath();

    /**
     * The account kiro-cli's database at @p path is logged in with, ready for KiroAccountManager::addAccount
     * (named "kiro-cli …" after its login method; slots left to the default). @p nowMs decides whether the
     * registered OIDC client has expired. The error says in words what is missing and what to do.
     */
    static Result<KiroNewAccount> read(const QString &path, qint64 nowMs);
};

} // namespace Drawbridge
