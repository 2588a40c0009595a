#include "check/check.hpp"
#include "report/format_units.hpp"
#include "report/table_writer.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <chrono>
#include <cmath>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/utsname.h>
#include <thread>

namespace lab {

namespace {

// Four significant digits, not three decimals: a ratio of 0.0004 rounded to 0.000 would be a
// baseline entry its own reader refuses.
double four_digits(double v) {
    if (v == 0) return 0;
    const double scale = std::pow(10.0, 3 - std::floor(std::log10(std::abs(v))));
    return std::round(v * scale) / scale;
}

std::string bounds_text(const check_row& r) {
    if (r.min && r.max) return fmt::format("{:g} … {:g}", *r.min, *r.max);
    if (r.min) return fmt::format("≥ {:g}", *r.min);
    if (r.max) return fmt::format("≤ {:g}", *r.max);
    return "";
}

std::string outcome(const check_row& r) {
    if (r.interrupted) return "interrupted";
    std::string word = r.pass ? "pass" : "FAIL";
    return r.remeasured ? word + " (re-measured)" : word;
}

}  // namespace

std::string render_check_table(const std::vector<check_row>& rows, std::size_t width, bool recording) {
    table_writer table({"scenario", "expectation", "ratio", "measured", "bounds", "baseline", "margin", "result"},
                       {false, false, false, true, false, true, true, false});
    int failed = 0, remeasured = 0, bounds_alone = 0, cut_short = 0;
    for (const auto& r : rows) {
        failed += !r.pass && !r.interrupted;
        cut_short += r.interrupted;
        remeasured += r.remeasured;
        bounds_alone += r.measured && !r.recorded;
        table.add_row({r.scenario, r.name, r.ratio, r.measured ? fmt::format("{:.3f}", *r.measured) : "—",
                       bounds_text(r),
                       r.recorded ? fmt::format("{:.3f} ± {:.0f}%", r.recorded->value, r.recorded->tolerance * 100) : "—",
                       r.measured ? fmt::format("{:+.0f}%", r.margin * 100) : "—", outcome(r)});
    }
    std::string out = "\n" + table.str("  ", width) + "\n";
    std::vector<std::string> lines;
    for (const auto& r : rows) {
        if (!r.error.empty()) lines.push_back(fmt::format("{}/{}: {}", r.scenario, r.name, r.error));
        if (!r.blocked.empty() && r.measured)
            lines.push_back(fmt::format("{}/{}: {} = {:.2f} — {}", r.scenario, r.name, r.ratio, *r.measured, r.blocked));
        if (r.stale)
            lines.push_back(fmt::format("{}/{}: stale baseline entry, not used: it was recorded for '{}', and the "
                                        "expectation now reads '{}' (record it anew with --record).",
                                        r.scenario, r.name, r.stale->ratio.empty() ? "an unnamed ratio" : r.stale->ratio,
                                        r.ratio));
    }
    // Said, not just shown as a dash: a new guard passes on its bounds until a baseline is recorded.
    if (bounds_alone && !recording)
        lines.push_back(fmt::format("no baseline entry for {} of {} ratios: checked against their bounds alone "
                                    "(record one with --record, or --baseline FILE --record).",
                                    bounds_alone, rows.size()));
    if (remeasured)
        lines.push_back(fmt::format("{} {} re-measured once after a first miss.", remeasured,
                                    remeasured == 1 ? "ratio was" : "ratios were"));
    for (const auto& line : lines)
        out += width == 0 ? "  " + line + "\n" : wrap(line, width > 24 ? width - 4 : 20, "  ", "  ");
    // The plain closing line CI systems read: "check: N passed, N failed".
    const auto passed = rows.size() - static_cast<std::size_t>(failed + cut_short);
    out += cut_short ? fmt::format("check: {} passed, {} failed, {} interrupted\n", passed, failed, cut_short)
                     : fmt::format("check: {} passed, {} failed\n", passed, failed);
    return out;
}

std::string render_junit(const std::vector<check_row>& rows, double seconds) {
    namespace pt = boost::property_tree;
    pt::ptree suite;
    int failures = 0;
    int skipped = 0;
    for (const auto& r : rows) {
        failures += !r.pass && !r.interrupted;
        skipped += r.interrupted;
    }
    suite.put("<xmlattr>.name", "concurrency-lab check");
    suite.put("<xmlattr>.tests", rows.size());
    suite.put("<xmlattr>.failures", failures);
    suite.put("<xmlattr>.errors", 0);
    if (skipped > 0) suite.put("<xmlattr>.skipped", skipped);  // only when a signal cut the run short
    suite.put("<xmlattr>.time", fmt::format("{:.3f}", seconds));
    for (const auto& r : rows) {
        pt::ptree tc;
        tc.put("<xmlattr>.classname", r.scenario);
        tc.put("<xmlattr>.name", r.name);
        if (r.interrupted) {
            pt::ptree skipped;
            skipped.put("<xmlattr>.message", "interrupted: a signal cut the run of this scenario short");
            tc.add_child("skipped", skipped);
        } else if (!r.pass) {
            pt::ptree failure;
            failure.put("<xmlattr>.message",
                        r.measured ? fmt::format("{} = {:.3f}, outside {}{}{}", r.ratio, *r.measured, bounds_text(r),
                                                 r.recorded ? fmt::format(" or baseline {:.3f} ± {:.0f}%",
                                                                          r.recorded->value, r.recorded->tolerance * 100)
                                                            : "",
                                                 r.blocked.empty() ? "" : " — " + r.blocked)
                                   : r.error);
            failure.put("<xmlattr>.type", "ratio");
            tc.add_child("failure", failure);
        }
        pt::ptree props;
        auto add_property = [&](const char* name, const std::string& value) {
            pt::ptree p;
            p.put("<xmlattr>.name", name);
            p.put("<xmlattr>.value", value);
            props.add_child("property", p);
        };
        add_property("ratio", r.ratio);
        if (r.measured) add_property("measured", fmt::format("{:.6g}", *r.measured));
        add_property("remeasured", r.remeasured ? "true" : "false");
        add_property("baseline", r.recorded ? fmt::format("{:.6g}", r.recorded->value) : "none");
        tc.add_child("properties", props);
        suite.add_child("testcase", tc);
    }
    pt::ptree doc;
    doc.add_child("testsuites.testsuite", suite);
    std::ostringstream out;
    pt::write_xml(out, doc, pt::xml_writer_make_settings<std::string>(' ', 2));
    return out.str();
}

baseline_update render_baseline(const std::vector<check_row>& rows, const baseline* kept) {
    utsname u{};
    ::uname(&u);
    nlohmann::ordered_json doc;
    doc["machine"] = {{"cores", std::thread::hardware_concurrency()},
                      {"kernel", fmt::format("{} {}", u.sysname, u.release)},
                      {"compiler", fmt::format("g++ {}", __VERSION__)},
                      {"date", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)))}};
    // Keys in order, whichever run wrote them, so a merged baseline diffs cleanly.
    std::map<std::string, nlohmann::ordered_json> ratios;
    baseline_update out;
    if (kept)
        for (const auto& [key, e] : kept->ratios)
            ratios[key] = {{"ratio", e.ratio}, {"value", e.value}, {"tolerance", e.tolerance}};
    for (const auto& r : rows) {
        if (!r.measured) continue;
        ratios[r.scenario + "/" + r.name] = {{"ratio", r.ratio},
                                             {"value", four_digits(*r.measured)},
                                             {"tolerance", r.tolerance}};
        out.updated++;
    }
    out.kept = static_cast<int>(ratios.size()) - out.updated;
    doc["ratios"] = nlohmann::ordered_json::object();
    for (auto& [key, entry] : ratios) doc["ratios"][key] = std::move(entry);
    out.document = doc.dump(2) + "\n";
    return out;
}

}  // namespace lab
