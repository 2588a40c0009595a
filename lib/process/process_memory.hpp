#pragma once
// Resident memory of a server and its prefork workers, read from /proc.
#include "model/records.hpp"

#include <sys/types.h>
#include <vector>

namespace lab {

// The process itself first (marked supervisor when it has children), then its children.
std::vector<process_memory> memory_of_tree(pid_t root);

// Every process below root, at any depth (root itself not included): a command target's tree
// under the lab's watchdog — uvicorn, and its workers below it. A process with children in the
// tree is marked supervisor.
std::vector<process_memory> memory_below(pid_t root);

}  // namespace lab
