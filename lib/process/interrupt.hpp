#pragma once
// Signals in the driver. The first SIGINT or SIGTERM asks the run to stop and keep what it
// measured: load loops stop sending, the caller prints the partial result and exits
// 128 + the signal. A second one, or SIGHUP, kills every server child, removes the
// temporary files registered here and ends the driver at once. Either way no server and
// no temporary file is left behind (SIGKILL aside: the servers' parent-death signal covers it).
#include <atomic>

namespace lab {

void install_interrupt_handlers();

// 0 until the first SIGINT or SIGTERM, then its number.
const std::atomic<int>& interrupt_signal();

// `hook` (async-signal-safe; null: none) runs before a signal ends the driver for good — a
// SIGHUP, or a second SIGINT or SIGTERM: the terminal replay gives the terminal back with it.
void run_on_fatal_signal(void (*hook)());

// Registers a temporary file for removal should the driver die by a signal, and forgets it
// again. Fixed slots, so the handler neither allocates nor locks.
void remove_on_fatal_signal(const char* path);
void keep_on_fatal_signal(const char* path);

}  // namespace lab
