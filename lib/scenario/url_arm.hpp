#pragma once
// The arm a bare `load URL` run describes: route, t and model read from the URL when it
// names a lab route, nothing assumed when it does not.
#include "load/load_generator.hpp"
#include "model/records.hpp"

namespace lab {

arm_spec arm_for_url(const load_options& options);

}  // namespace lab
