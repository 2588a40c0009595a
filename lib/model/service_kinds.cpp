#include "model/service_kinds.hpp"

namespace lab {

namespace {

// Debian's PostgreSQL, a cluster of the run's own: initdb in a temp folder, a unix socket in
// it and no TCP port, durability off (nothing here must survive the run, and fsync would make
// the machine's disk part of every query's time).
service_kind postgres() {
    return {
        "postgres",
        {"postgresql-15"},
        "/usr/lib/postgresql/15/bin",
        "postgres",
        {"{bin}/initdb", "-D", "{dir}/data", "-U", "lab", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
         "--no-instructions"},
        {"{bin}/postgres", "-D", "{dir}/data", "-k", "{dir}", "-c", "listen_addresses=", "-c", "fsync=off", "-c",
         "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200", "-c",
         "shared_buffers=16MB", "-c", "log_min_messages=fatal"},
        service_ready::libpq,
        "postgresql://lab@/postgres?host={dir}",
        "database_url",
        "DATABASE_URL",
    };
}

}  // namespace

const std::vector<service_kind>& service_kinds() {
    static const std::vector<service_kind> kinds{postgres()};
    return kinds;
}

const service_kind* find_service_kind(const std::string& name) {
    for (const auto& kind : service_kinds())
        if (kind.name == name) return &kind;
    return nullptr;
}

}  // namespace lab
