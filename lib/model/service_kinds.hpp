#pragma once
// The kinds of service a scenario may start (DESIGN.md §10), as data: a new kind is a row here,
// not a code path. process/service.cpp runs them; the scenario reader checks names against them.
#include <string>
#include <vector>

namespace lab {

enum class service_ready { libpq };

struct service_kind {
    std::string name;                   // the file's `kind`
    std::vector<std::string> packages;  // Debian packages it runs on
    std::string binaries;               // the folder of its programs (not on PATH: Debian's PostgreSQL)
    std::string run_as;                 // the user a root lab runs it as (postgres refuses root); empty: the lab's
    std::vector<std::string> setup;     // run to completion first; "{bin}" the binaries, "{dir}" its folder
    std::vector<std::string> start;     // the server itself, the same placeholders
    service_ready ready = service_ready::libpq;
    std::string address;                // what it lends the target, "{dir}" put in
    std::string placeholder;            // "database_url": "{database_url}" in a target's command or env
    std::string env;                    // and this variable in the target's environment
};

// Every kind a scenario may name, besides `command`.
const std::vector<service_kind>& service_kinds();
const service_kind* find_service_kind(const std::string& name);

}  // namespace lab
