// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

// One category per library, controlled by QT_LOGGING_RULES (e.g. "drawbridge.gateway.debug=true").
Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcSecrets)
Q_DECLARE_LOGGING_CATEGORY(lcGateway)
Q_DECLARE_LOGGING_CATEGORY(lcKiro)
Q_DECLARE_LOGGING_CATEGORY(lcPool)
Q_DECLARE_LOGGING_CATEGORY(lcApp)
