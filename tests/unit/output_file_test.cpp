// Every kind of path the lab may be told to write (issue 19): what is there afterwards.
#include "output/output_file.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace fs = std::filesystem;
using lab::output_error;
using lab::output_file;

namespace {

struct temp_dir {
    fs::path path = fs::temp_directory_path() / ("lab-out-" + std::to_string(::getpid()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
    // Nothing but `expected` in the folder: no temporary file left behind.
    std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {})); }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct stat lstat_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st;
}

}  // namespace

TEST_CASE("a new path is written whole and nothing else is left") {
    temp_dir d;
    {
        output_file out(d.path / "result.json");
        CHECK(d.entries() == 1);  // the temporary file, until the commit
        out.commit("{}\n");
    }
    CHECK(slurp(d.path / "result.json") == "{}\n");
    CHECK(d.entries() == 1);
}

TEST_CASE("a file that is never committed leaves nothing — and the old content stays") {
    temp_dir d;
    std::ofstream(d.path / "old.txt") << "old";
    { output_file out(d.path / "old.txt"); }
    CHECK(slurp(d.path / "old.txt") == "old");
    CHECK(d.entries() == 1);
}

TEST_CASE("an existing file keeps its mode") {
    temp_dir d;
    auto p = d.path / "private.json";
    std::ofstream(p) << "old";
    ::chmod(p.c_str(), 0600);
    output_file(p).commit("new");
    CHECK(slurp(p) == "new");
    CHECK((lstat_of(p).st_mode & 07777) == 0600);
}

TEST_CASE("an existing file keeps any mode — not only the temporary file's own 0600") {
    temp_dir d;
    for (mode_t mode : {0640, 0755}) {
        CAPTURE(mode);
        auto p = d.path / ("kept-" + std::to_string(mode));
        std::ofstream(p) << "old";
        ::chmod(p.c_str(), mode);
        output_file(p).commit("new");
        CHECK(slurp(p) == "new");
        CHECK((lstat_of(p).st_mode & 07777) == mode);
    }
}

TEST_CASE("a symlink planted at the temporary name is refused — never written through") {
    temp_dir d;
    auto p = d.path / "result.json";
    auto victim = d.path / "victim";
    std::ofstream(victim) << "untouched";
    fs::create_symlink(victim, d.path / ("result.json.tmp." + std::to_string(::getpid())));
    CHECK_THROWS_AS(output_file{p}, output_error);
    CHECK(slurp(victim) == "untouched");
    CHECK_FALSE(fs::exists(p));
}

TEST_CASE("a symlink stays a symlink and its target is written — a dangling one creates its target") {
    temp_dir d;
    std::ofstream(d.path / "target.json") << "old";
    fs::create_symlink("target.json", d.path / "link");
    output_file(d.path / "link").commit("new");
    CHECK(S_ISLNK(lstat_of(d.path / "link").st_mode));
    CHECK(slurp(d.path / "target.json") == "new");

    fs::create_symlink("made.json", d.path / "dangling");
    output_file(d.path / "dangling").commit("made");
    CHECK(S_ISLNK(lstat_of(d.path / "dangling").st_mode));
    CHECK(slurp(d.path / "made.json") == "made");
}

TEST_CASE("a FIFO is written in place — and one without a reader is refused at once") {
    temp_dir d;
    auto fifo = d.path / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    CHECK_THROWS_WITH_AS(output_file{fifo}, doctest::Contains("a FIFO with no reader"), output_error);
    std::string got;
    std::thread reader([&] { got = slurp(fifo); });
    // The reader's open blocks until a writer opens; retry the writer until it has.
    std::unique_ptr<output_file> out;
    while (!out) {
        try {
            out = std::make_unique<output_file>(fifo);
        } catch (const output_error&) {
            std::this_thread::yield();
        }
    }
    CHECK(out->in_place());
    out->commit("through the pipe");
    out.reset();
    reader.join();
    CHECK(got == "through the pipe");
    CHECK(S_ISFIFO(lstat_of(fifo).st_mode));
    CHECK(d.entries() == 1);
}

TEST_CASE("a character device is written in place — never replaced") {
    temp_dir d;
    fs::path dev = "/dev/null";
    if (::geteuid() == 0 && ::mknod((d.path / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) dev = d.path / "null";
    output_file out(dev);
    CHECK(out.in_place());
    out.commit("gone");
    CHECK(S_ISCHR(lstat_of(dev).st_mode));
    // /dev/full takes nothing: the write fails with the reason, nothing is replaced.
    output_file full("/dev/full");
    CHECK_THROWS_WITH_AS(full.commit("x"), doctest::Contains("No space left on device"), std::runtime_error);
    CHECK(S_ISCHR(lstat_of("/dev/full").st_mode));
}

TEST_CASE("a directory — a missing folder and /dev/stdout's kin") {
    temp_dir d;
    CHECK_THROWS_WITH_AS(output_file{d.path}, doctest::Contains("is a directory"), output_error);
    CHECK_THROWS_WITH_AS(output_file{d.path / "no/such/x.json"}, doctest::Contains("no such folder"), output_error);
    CHECK(d.entries() == 0);
}

TEST_SUITE_END();
