#pragma once
// Services a scenario starts before its target and stops after it (DESIGN.md §10): a throwaway
// PostgreSQL cluster, or any command with a readiness check. Each kind is a row of data
// (service_kinds()): the binaries it runs, the user it runs as, how it is known to be ready and
// the address it lends the target. A service runs under the same watchdog as a command target,
// so its whole tree goes on every path, and its folder with it, even when the driver is killed.
#include "model/records.hpp"
#include "model/service_kinds.hpp"
#include "process/command_process.hpp"
#include "process/temp_folder.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lab {

// Whether a server on 127.0.0.1:port answers GET path with 2xx now (the runner's load client).
using http_check = std::function<bool(int port, const std::string& path)>;

// What the running services lend the targets: "{key}" → value, and variables to add.
struct service_addresses {
    std::vector<std::pair<std::string, std::string>> placeholders;  // ("database_url", "postgresql://…")
    std::vector<std::pair<std::string, std::string>> env;           // ("DATABASE_URL", "postgresql://…")

    // `text` with every "{key}" of the services put in.
    std::string put_in(std::string text) const;
};

// One running service: started (and ready) by the constructor, stopped by the destructor.
class running_service {
public:
    // Throws std::runtime_error when it cannot start or is not ready in time (the command's end
    // or the time waited said); `stop` non-zero gives up at once.
    running_service(const service_spec& spec, const std::atomic<int>* stop, const http_check& http_ready);
    ~running_service();
    running_service(const running_service&) = delete;
    running_service& operator=(const running_service&) = delete;

    const std::string& address() const { return address_; }
    pid_t watchdog() const { return process_ ? process_->watchdog() : -1; }

private:
    std::optional<temp_folder> folder_;   // declared first: removed after the process
    std::optional<command_process> process_;
    std::string address_;
};

// Every service of a scenario, started in order and stopped in reverse.
class running_services {
public:
    running_services(const std::vector<service_spec>& specs, const std::atomic<int>* stop, const http_check& http_ready);
    const service_addresses& addresses() const { return addresses_; }
    bool empty() const { return services_.empty(); }

private:
    std::vector<std::unique_ptr<running_service>> services_;
    service_addresses addresses_;
};

}  // namespace lab
