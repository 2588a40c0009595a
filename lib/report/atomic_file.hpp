#pragma once
// Results are written to a temporary file beside the target and renamed into place, so
// an interrupted run never leaves half a file. Opening happens before the run starts,
// so an unwritable path fails early.
#include <filesystem>
#include <string>

namespace lab {

class atomic_file {
public:
    // Creates the temporary file now; throws std::runtime_error naming the path.
    explicit atomic_file(std::filesystem::path target);
    ~atomic_file();  // removes the temporary file unless committed
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    // Writes everything, syncs, renames over the target.
    void commit(const std::string& content);

private:
    std::filesystem::path target_, temp_;
    int fd_ = -1;
};

}  // namespace lab
