#include "process/interrupt.hpp"

#include "process/command_process.hpp"
#include "process/server_process.hpp"

#include <array>
#include <climits>
#include <csignal>
#include <cstring>
#include <unistd.h>

namespace lab {

namespace {

std::atomic<int> first_signal{0};

// A slot is free, being written, or published (the only state the handler reads).
enum slot_state : int { free_slot, writing, published };
struct temp_slot {
    std::atomic<int> state{free_slot};
    char path[PATH_MAX];
};
std::array<temp_slot, 8> temp_files;

std::atomic<void (*)()> fatal_hook{nullptr};

extern "C" void on_driver_signal(int sig) {
    int none = 0;
    if ((sig == SIGINT || sig == SIGTERM) && first_signal.compare_exchange_strong(none, sig)) return;
    if (auto hook = fatal_hook.load()) hook();
    kill_live_children();
    kill_command_groups();
    for (auto& slot : temp_files)
        if (slot.state.load(std::memory_order_acquire) == published) ::unlink(slot.path);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_driver_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

const std::atomic<int>& interrupt_signal() { return first_signal; }

void run_on_fatal_signal(void (*hook)()) { fatal_hook.store(hook); }

void remove_on_fatal_signal(const char* path) {
    if (std::strlen(path) >= PATH_MAX) return;
    for (auto& slot : temp_files) {
        int expected = free_slot;
        if (!slot.state.compare_exchange_strong(expected, writing)) continue;
        std::strcpy(slot.path, path);
        slot.state.store(published, std::memory_order_release);
        return;
    }
}

void keep_on_fatal_signal(const char* path) {
    for (auto& slot : temp_files)
        if (slot.state.load(std::memory_order_acquire) == published && std::strcmp(slot.path, path) == 0)
            slot.state.store(free_slot, std::memory_order_release);
}

}  // namespace lab
