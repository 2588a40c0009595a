#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

int main(int argc, char** argv) {
    // The lab fits its tables to $COLUMNS when set: the tests read today's full tables, as a
    // pipe gets them, whatever the shell that runs them exports.
    ::unsetenv("COLUMNS");
    return doctest::Context(argc, argv).run();
}
