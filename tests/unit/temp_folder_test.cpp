// A run's temporary folder (process/temp_folder.hpp): its own, private, and gone with all it
// holds when the run lets go of it.
#include "process/temp_folder.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

TEST_SUITE_BEGIN("unit");

TEST_CASE("a temp folder is private — and goes with everything in it") {
    std::filesystem::path path;
    {
        lab::temp_folder folder("lab-temp-folder-test");
        path = folder.path();
        CHECK(std::filesystem::is_directory(path));
        CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) == std::filesystem::perms::owner_all);
        std::filesystem::create_directories(path / "data" / "deep");
        std::ofstream(path / "data" / "deep" / "file") << "x";
        std::ofstream(path / "socket-like") << "y";
    }
    CHECK_FALSE(std::filesystem::exists(path));
}
