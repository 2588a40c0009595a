#pragma once
// ThreadSanitizer slows a program 5-15× and reshapes its scheduling, so tests that assert
// timing or memory ratios are skipped under it: there, race detection is the point.
#include <doctest/doctest.h>

#if defined(__SANITIZE_THREAD__)
inline constexpr bool under_tsan = true;
#else
inline constexpr bool under_tsan = false;
#endif

// Decorates a TEST_CASE that measures time or memory.
inline auto measures() { return doctest::skip(under_tsan); }
