#pragma once
// The client's knobs, once, as model/knobs.hpp holds the server's: each one's command-line
// names (the same in `load` and `scenario`), scenario-file key, range, default and help. The
// command line binds its flags through this table, the scenario reader checks its keys' ranges
// against it, and docs/cli.md and docs/scenario-file.md carry the table it renders (a test holds
// them to it), so a spelling or a limit cannot drift between the two commands again.
#include <string>
#include <string_view>
#include <vector>

namespace lab {

struct client_knob {
    std::string name;   // how the code asks for it: "requests", "headers"
    std::string flags;  // CLI11's names: "-c,--connections,--concurrency" (the first long one is shown)
    std::string key;    // the scenario file's key; empty: the command line's only
    std::string help;
    enum class kind { integer, number, flag, choice, text } type = kind::text;
    double min = 0, max = 0;  // integer and number knobs: the accepted range
    std::string unit;         // of the range, in errors and the docs: "s", "per second"
    std::string values;       // a choice's or a text's accepted values, as the docs say them
    std::string default_text; // "10", "GET", "—" (none)
    bool load = true;         // `load` takes the flag
    bool scenario = false;    // `scenario` takes it as an override of every arm
    bool in_target = false;   // its key stands in a target table, not [defaults] or an arm
};

const std::vector<client_knob>& client_knobs();

// The knob named `name`; std::out_of_range for a name the table does not hold (a bug).
const client_knob& client_knob_named(std::string_view name);

// The accepted values as help and the docs show them: "1 … 20000", "keep-alive or close".
std::string knob_range(const client_knob& knob);

// The table as Markdown, as docs/cli.md and docs/scenario-file.md carry it.
std::string client_knob_markdown();

}  // namespace lab
