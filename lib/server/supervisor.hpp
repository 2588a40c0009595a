#pragma once
#include "server/server.hpp"

namespace lab {

// Prefork: bind in this process, fork options.workers workers before any io_context
// exists, restart any that dies, forward SIGINT/SIGTERM, exit leaving no child.
void run_supervisor(const server_options& options);

}  // namespace lab
