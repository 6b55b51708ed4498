// The CLI side of the local API: send argv, get the agent's rendered answer.
#pragma once

#include <string>
#include <vector>

#include "agent/api_protocol.h"
#include "common/result.h"

namespace shoal {

// `address`: unix socket path or IP:PORT; `timeout_ms` bounds connect+exchange.
Result<ApiResponse> call_agent(const std::string& address, const ApiRequest& request,
                               unsigned timeout_ms = 10'000);

}  // namespace shoal
