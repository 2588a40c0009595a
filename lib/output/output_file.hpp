#pragma once
// Every file the lab writes (--out, --junit, --record) goes through here, so no run can
// destroy what its path named (DESIGN.md §9):
//   - a regular file, or a path that does not exist yet: written to a temporary file in the
//     same folder and renamed over it, keeping the old file's mode (and owner, as root), so an
//     interrupted run never leaves half a file;
//   - a symlink: followed, and its target written by the rule for what it points at;
//   - a device, FIFO or other special file: opened and written in place, never replaced;
//   - a name of an open descriptor (/dev/stdout, /dev/fd/1, /proc/self/fd/1): written through
//     in place, appending, whatever the descriptor is open on (a file the shell opened);
//   - a directory, a missing folder, an unwritable place: refused when the file is opened,
//     which callers do before any server starts.
#include "model/input_error.hpp"
#include <filesystem>
#include <stdexcept>
#include <string>

namespace lab {

// A path the lab will not write, with the reason: "--out /tmp: is a directory". Exit 2.
struct output_error : input_error {
    using input_error::input_error;
};

class output_file {
public:
    // Decides how to write `target` and opens it now; throws output_error naming the path.
    explicit output_file(std::filesystem::path target);
    ~output_file();  // removes the temporary file unless committed
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;

    // Writes everything; a regular file is synced and renamed into place. Throws
    // std::runtime_error (a full disk, /dev/full).
    void commit(const std::string& content);

    bool in_place() const { return temp_.empty(); }

private:
    std::filesystem::path target_;  // what is finally written: the symlink's target, if any
    std::filesystem::path temp_;    // empty when written in place
    int fd_ = -1;
};

}  // namespace lab
