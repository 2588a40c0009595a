#pragma once
// One GET with a deadline, its body kept: for what the runner asks a server after a run
// (GET /metrics?format=json). The load generator's client counts bytes and keeps no bodies.
#include "load/load_generator.hpp"

#include <string>

namespace lab {

struct http_answer {
    int status = 0;      // 0 when no response came
    std::string body;
    std::string error;   // why no response came, when none did
};

// Connects, sends, reads the whole response (at most 64 MiB), all within timeout_s.
http_answer http_get(const target_url& url, double timeout_s);

}  // namespace lab
