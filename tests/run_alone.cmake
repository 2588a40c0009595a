# Cases that measure CPU parallelism on a 2-core machine: with another test on the second core
# they lose the parallelism they measure, so `ctest -j` runs them alone. Read by ctest after the
# doctest lists (TEST_INCLUDE_FILES); a renamed case is an error here, not a silent drop.
set_tests_properties(
  "threads run CPU work in parallel — under the GIL they take turns"
  "two workers do CPU work at least 1.5 × faster than one"
  PROPERTIES RUN_SERIAL TRUE)
