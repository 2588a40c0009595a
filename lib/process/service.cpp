#include "process/service.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cerrno>
#include <cstring>
#include <pwd.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace lab {

namespace {

using namespace std::chrono_literals;

std::string replaced(std::string text, const std::string& key, const std::string& value) {
    for (std::size_t at = 0; (at = text.find(key, at)) != std::string::npos; at += value.size()) text.replace(at, key.size(), value);
    return text;
}

std::vector<std::string> filled(const std::vector<std::string>& argv, const service_kind& kind, const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& arg : argv) out.push_back(replaced(replaced(arg, "{bin}", kind.binaries), "{dir}", dir));
    return out;
}

bool stopped(const std::atomic<int>* stop) { return stop && stop->load() != 0; }

// Polls until `ready` holds, the command ends, the time is up, or a signal came.
void wait_ready(command_process& process, const std::string& what, double limit_s, const std::atomic<int>* stop,
                const std::function<bool()>& ready) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
    for (;;) {
        if (!process.running())
            throw std::runtime_error(fmt::format("the {} service {} before it was ready", what, process.end_description()));
        if (stopped(stop)) throw std::runtime_error("interrupted while the services started");
        if (ready()) return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error(fmt::format("the {} service was not ready within {:g} s", what, limit_s));
        std::this_thread::sleep_for(20ms);
    }
}

}  // namespace

std::string service_addresses::put_in(std::string text) const {
    for (const auto& [key, value] : placeholders) text = replaced(std::move(text), "{" + key + "}", value);
    return text;
}

running_service::running_service(const service_spec& spec, const std::atomic<int>* stop, const http_check& http_ready) {
    if (spec.kind == "command") {
        const int port = free_loopback_port();
        process_.emplace(command_line{spec.argv, spec.cwd}, port);
        wait_ready(*process_, spec.name, spec.ready_timeout_s, stop, [&] { return http_ready(port, spec.ready); });
        address_ = fmt::format("http://127.0.0.1:{}", port);
        return;
    }
    const service_kind* kind = find_service_kind(spec.kind);
    if (!kind) throw std::runtime_error("no service kind " + spec.kind);
    folder_.emplace("concurrency-lab-" + kind->name);
    const std::string dir = folder_->path().string();
    command_line setup{filled(kind->setup, *kind, dir)};
    setup.quiet_stdout = true;
    if (::geteuid() == 0 && !kind->run_as.empty()) {
        // It refuses root: its own user runs it, and owns the folder it writes.
        const passwd* user = ::getpwnam(kind->run_as.c_str());
        if (!user) throw std::runtime_error(fmt::format("no user {} to run the {} service as", kind->run_as, spec.name));
        if (::chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0)
            throw std::runtime_error(fmt::format("cannot give {} to {}: {}", dir, kind->run_as, std::strerror(errno)));
        setup.uid = user->pw_uid;
        setup.gid = user->pw_gid;
    }
    {
        command_process once(setup, 0);
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (once.running()) {
            if (stopped(stop)) throw std::runtime_error("interrupted while the services started");
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error(fmt::format("{} did not finish within 60 s", setup.argv.front()));
            std::this_thread::sleep_for(20ms);
        }
        if (once.end_description() != "exited with status 0")
            throw std::runtime_error(fmt::format("the {} service's {} {} (its stderr above says why)", spec.name,
                                                 setup.argv.front(), once.end_description()));
    }
    command_line server{filled(kind->start, *kind, dir)};
    server.uid = setup.uid;
    server.gid = setup.gid;
    server.remove_after = {dir};  // by the watchdog, once the server is gone: even if the driver was killed
    process_.emplace(server, 0);
    address_ = replaced(kind->address, "{dir}", dir);
    wait_ready(*process_, spec.name, spec.ready_timeout_s, stop, [&] {
        return ::PQping(address_.c_str()) == PQPING_OK;  // service_ready::libpq, the one way so far
    });
}

running_service::~running_service() {
    if (process_) process_->stop();
}

running_services::running_services(const std::vector<service_spec>& specs, const std::atomic<int>* stop,
                                   const http_check& http_ready) {
    for (const auto& spec : specs) {
        services_.push_back(std::make_unique<running_service>(spec, stop, http_ready));
        const auto& address = services_.back()->address();
        if (const auto* kind = find_service_kind(spec.kind)) {
            addresses_.placeholders.emplace_back(kind->placeholder, address);
            addresses_.env.emplace_back(kind->env, address);
        }
        addresses_.placeholders.emplace_back(spec.name + "_url", address);
    }
}

}  // namespace lab
