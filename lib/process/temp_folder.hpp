#pragma once
// A temporary folder of the run's own (mkdtemp: mode 0700, a name nobody else holds), removed
// with everything in it when it goes out of scope: the probe's figures, a command target's
// unix socket. Declared before the command that uses it, it outlives the command's stop.
#include <filesystem>
#include <string>

namespace lab {

class temp_folder {
public:
    // Made under the system's temp folder as PREFIX-XXXXXX; throws std::runtime_error when it cannot be.
    explicit temp_folder(const std::string& prefix);
    ~temp_folder();
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace lab
