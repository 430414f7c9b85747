// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include "server/core/result.h"

namespace Drawbridge::Test {

/**
 * @brief Checks a generateAssistantResponse body the way Kiro does, as far as it is known.
 *
 * Every rule of protocol §2.3–§2.8 and the official schema that Kiro enforces with a 400
 * "Improperly formed request" is checked here, conservatively: where gateways disagree (e.g.
 * additionalProperties in schemas) the strict reading wins, so a body that passes is safe to send. The
 * error text starts with a stable rule name ("history-not-alternating: …") that tests can match.
 */
class KiroRequestValidator final
{
public:
    static constexpr qsizetype maxBodyBytes = 615'000;

    static Status validate(const QByteArray &body);
};

} // namespace Drawbridge::Test
