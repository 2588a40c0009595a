#include "output/output_file.hpp"

#include "process/interrupt.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lab {

namespace fs = std::filesystem;

namespace {

std::string reason(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

output_error refused(const fs::path& p, const std::string& why) {
    return output_error("cannot write " + p.string() + ": " + why);
}

// Follows a chain of symlinks by hand, so a dangling one names the file it points at
// (which is then created) instead of being replaced by a regular file.
fs::path follow_links(fs::path p) {
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
        char buf[PATH_MAX];
        auto n = ::readlink(p.c_str(), buf, sizeof buf - 1);
        if (n < 0) throw refused(p, reason("readlink"));
        fs::path to(std::string(buf, static_cast<std::size_t>(n)));
        p = to.is_absolute() ? to : p.parent_path() / to;
    }
    throw refused(p, "too many levels of symbolic links");
}

// /dev/stdout, /dev/fd/N, /proc/self/fd/N: names of a descriptor the caller opened, whatever
// it is open on. Written through in place, appending: `lab … --out /dev/stdout >> log`
// must add to the log, not replace it with a new file.
bool names_a_descriptor(const fs::path& named) {
    const std::string s = named.lexically_normal().string();
    return s == "/dev/stdout" || s == "/dev/stderr" || s.starts_with("/dev/fd/") || s.starts_with("/proc/self/fd/") ||
           (s.starts_with("/proc/") && s.find("/fd/") != std::string::npos);
}

// A device, FIFO or socket: written where it is. O_NONBLOCK so a FIFO without a reader
// is an error now instead of a hang; writes then block as usual.
int open_in_place(const fs::path& named, const fs::path& target, int extra_flags = 0) {
    int fd = ::open(named.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | extra_flags);
    if (fd < 0 && errno == ENXIO) throw refused(target, "a FIFO with no reader, or a socket");
    if (fd < 0) throw refused(target, reason("open"));
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

}  // namespace

output_file::output_file(fs::path named) {
    // The kernel follows the links first: /dev/stdout names a pipe through /proc/self/fd/1,
    // whose link text ("pipe:[…]") is no path at all.
    struct stat st {};
    const bool exists = ::stat(named.c_str(), &st) == 0;
    if (!exists && errno != ENOENT) throw refused(named, reason("stat"));
    if (exists && S_ISDIR(st.st_mode)) throw refused(named, "is a directory");
    if (exists && names_a_descriptor(named)) {
        target_ = named;
        fd_ = open_in_place(named, named, O_APPEND);
        return;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        target_ = named;
        fd_ = open_in_place(named, named);
        return;
    }
    if (exists) {
        std::error_code ec;
        target_ = fs::canonical(named, ec);  // a regular file: the file the links end at
        if (ec) throw refused(named, ec.message());
    } else {
        target_ = follow_links(named);  // a dangling link creates the file it points at
    }
    if (exists && ::access(target_.c_str(), W_OK) != 0) throw refused(named, reason("access"));
    fs::path dir = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
    struct stat dir_st {};
    if (::stat(dir.c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode)) throw refused(named, "no such folder " + dir.string());
    temp_ = target_;
    temp_ += ".tmp." + std::to_string(::getpid());
    // O_EXCL: never write through whatever already sits at the temporary name.
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exists ? 0600 : 0666);
    if (fd_ < 0) {
        temp_.clear();
        throw refused(named, reason("create"));
    }
    remove_on_fatal_signal(temp_.c_str());
    if (exists) {
        // The replacement keeps what the old file was: its mode, and as root its owner.
        ::fchmod(fd_, st.st_mode & 07777);
        if (::geteuid() == 0 && ::fchown(fd_, st.st_uid, st.st_gid) != 0) {
            // Not fatal: the content is what was asked for; the owner is a courtesy.
        }
    }
}

output_file::~output_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) {
        ::unlink(temp_.c_str());
        keep_on_fatal_signal(temp_.c_str());
    }
}

void output_file::commit(const std::string& content) {
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        auto n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("cannot write " + target_.string() + ": " + reason("write"));
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (in_place()) {
        ::close(fd_);
        fd_ = -1;
        return;
    }
    if (::fsync(fd_) != 0) throw std::runtime_error("cannot write " + target_.string() + ": " + reason("sync"));
    ::close(fd_);
    fd_ = -1;
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
        throw std::runtime_error("cannot write " + target_.string() + ": " + reason("rename"));
    keep_on_fatal_signal(temp_.c_str());
    temp_.clear();
}

}  // namespace lab
