// SPDX-License-Identifier: MIT
#include "logging.h"

Q_LOGGING_CATEGORY(lcCore, "drawbridge.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStorage, "drawbridge.storage", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSecrets, "drawbridge.secrets", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "drawbridge.gateway", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKiro, "drawbridge.kiro", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPool, "drawbridge.pool", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApp, "drawbridge.app", QtInfoMsg)
