#include "report/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace lab {

static std::runtime_error file_error(const std::filesystem::path& p, const char* what) {
    return std::runtime_error("cannot write " + p.string() + ": " + what + ": " + std::strerror(errno));
}

atomic_file::atomic_file(std::filesystem::path target) : target_(std::move(target)) {
    temp_ = target_;
    temp_ += ".tmp." + std::to_string(::getpid());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw file_error(target_, "create");
}

atomic_file::~atomic_file() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temp_.c_str());
    }
}

void atomic_file::commit(const std::string& content) {
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        auto n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw file_error(target_, "write");
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd_) != 0) throw file_error(target_, "sync");
    ::close(fd_);
    fd_ = -1;
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
        ::unlink(temp_.c_str());
        throw file_error(target_, "rename");
    }
}

}  // namespace lab
