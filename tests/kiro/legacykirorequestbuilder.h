// SPDX-License-Identifier: MIT
#pragma once

#include "server/kiro/kirorequestbuilder.h"

namespace Drawbridge::Test {

/** KiroRequestBuilder before issue 18 (QJsonObject tree + toJson): the differential test's oracle. */
class LegacyKiroRequestBuilder final
{
public:
    static Result<KiroRequest> build(const ChatRequest &request, const KiroRequestOptions &options = {},
                                     ProviderErrorKind *errorKind = nullptr);
};

} // namespace Drawbridge::Test
