// The notes' Part 4 diagram, replayed from a run's measured request states (DESIGN.md §11): one
// player per arm, its data as JSON in the page, one inline script for every player, so the
// report stays one file with nothing to fetch.
#include "report/format_units.hpp"
#include "report/replay_boxes.hpp"
#include "report/report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace lab {

namespace {

// JSON inside a <script> element ends at the first "</": written as "<\/", which JSON reads the same.
std::string in_script(std::string json) {
    for (auto at = json.find("</"); at != std::string::npos; at = json.find("</", at + 2)) json.insert(at + 1, "\\");
    return json;
}

double ms_after(std::int64_t t0, std::int64_t t) { return static_cast<double>(t - t0) / 1e6; }

// The boxes as the player's data: each with the letters of the states it gathers ("-": read back).
std::string boxes_json() {
    std::string out;
    for (const auto& b : replay_boxes()) {
        std::string letters;
        for (auto s : b.states) letters += state_letter(s);
        if (b.answered) letters += '-';
        out += fmt::format("{}{{\"id\":\"{}\",\"title\":\"{}\",\"help\":\"{}\",\"states\":\"{}\"}}", out.empty() ? "" : ",",
                           b.id, b.title, b.help, letters);
    }
    return "[" + out + "]";
}

}  // namespace

std::string html_replay(const arm_result& arm, std::size_t index) {
    const auto& run = arm.run;
    if (run.states.empty()) return "";
    // Each request: its marks as [letter, ms after t0], in the kernel from its send, then "-"
    // (gone from the server, answered) from when the client had read it.
    std::string requests;
    double end_ms = 0;
    for (std::size_t n = 0; n < run.requests.size(); ++n) {
        const auto& rec = run.requests[n];
        if (rec.states == 0 || rec.states > run.states.size()) continue;
        const auto& st = run.states[rec.states - 1];
        // Its number as the tables and the timeline count it, then its marks.
        std::string marks = fmt::format("{},[\"K\",{:.3f}]", n + 1, ms_after(run.t0_ns, rec.start_ns));
        for (std::size_t i = 0; i < st.count; ++i)
            marks += fmt::format(",[\"{}\",{:.3f}]", state_letter(st.marks[i].state), ms_after(run.t0_ns, st.marks[i].at_ns));
        marks += fmt::format(",[\"-\",{:.3f}]", ms_after(run.t0_ns, rec.end_ns));
        end_ms = std::max(end_ms, ms_after(run.t0_ns, rec.end_ns));
        requests += (requests.empty() ? "[" : ",[") + marks + "]";
    }
    const std::string data = fmt::format("{{\"arm\":{},\"end_ms\":{:.3f},\"boxes\":{},\"requests\":[{}]}}",
                                         nlohmann::json(arm.spec.name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), end_ms, boxes_json(), requests);
    return fmt::format(
        "<div class=\"replay\" id=\"replay-{0}\" data-arm=\"{1}\">"
        "<div class=\"controls\"><button class=\"play\" type=\"button\">▶ play</button>"
        "<button class=\"step\" type=\"button\">step ▸</button>"
        "<label>speed <select class=\"speed\"><option value=\"1\">1×</option>"
        "<option value=\"10\" selected>10× slower</option><option value=\"100\">100× slower</option></select></label>"
        "<input class=\"scrub\" type=\"range\" min=\"0\" max=\"{2:.3f}\" step=\"0.01\" value=\"0\" aria-label=\"time\">"
        "<output class=\"clock\">t = 0.0 ms</output></div>"
        "<div class=\"boxes\"></div>"
        "<script type=\"application/json\" class=\"replay-data\">{3}</script></div>\n",
        index, html_escape(arm.spec.name), end_ms, in_script(data));
}

}  // namespace lab

namespace lab {

// Every player of the page, in plain DOM code: the boxes from the data, a chip per request that
// moves to the box of its state at the shown instant, the counts in each box's heading (and its
// data-count, for scripts and tests). `#replay=ARM@MS` in the address shows that arm at that instant.
const char* html_replay_script() {
    return R"js(
(() => {
  const players = Array.from(document.querySelectorAll('.replay'));
  for (const root of players) {
    const data = JSON.parse(root.querySelector('.replay-data').textContent);
    const boxOf = {};
    const boxes = data.boxes.map((b) => {
      const el = document.createElement('div');
      el.className = 'box box-' + b.id;
      el.dataset.box = b.id;
      const title = document.createElement('h4');
      title.textContent = b.title + ' ';
      const count = document.createElement('span');
      count.className = 'count';
      title.appendChild(count);
      const help = document.createElement('p');
      help.className = 'help';
      help.textContent = b.help;
      const chips = document.createElement('div');
      chips.className = 'chips';
      el.append(title, help, chips);
      root.querySelector('.boxes').appendChild(el);
      const box = { id: b.id, el, chips, count };
      for (const letter of b.states) boxOf[letter] = box;
      return box;
    });
    const chips = data.requests.map(([number, ...marks]) => {
      const el = document.createElement('span');
      el.className = 'chip';
      el.textContent = String(number);
      el.title = 'request ' + number;
      return { el, marks, box: null };
    });
    // A request's state at t is its last mark at or before t; before it was sent it is nowhere.
    const letterAt = (marks, t) => {
      let letter = null;
      for (const [state, at] of marks) {
        if (at > t) break;
        letter = state;
      }
      return letter;
    };
    const changes = [...new Set(chips.flatMap((c) => c.marks.map((x) => x[1])))].sort((a, b) => a - b);
    const scrub = root.querySelector('.scrub');
    const clock = root.querySelector('.clock');
    const play = root.querySelector('.play');
    const speed = root.querySelector('.speed');
    let t = 0, playing = false, last = 0;
    const show = (at) => {
      t = Math.max(0, Math.min(at, data.end_ms));
      const counts = new Map(boxes.map((b) => [b, 0]));
      for (const c of chips) {
        const letter = letterAt(c.marks, t);
        const box = letter === null ? null : boxOf[letter];
        if (box) counts.set(box, counts.get(box) + 1);
        if (box !== c.box) {
          if (box) box.chips.appendChild(c.el);
          else c.el.remove();
          c.box = box;
        }
      }
      for (const [b, n] of counts) {
        b.count.textContent = String(n);
        b.el.dataset.count = String(n);
      }
      scrub.value = String(t);
      clock.textContent = 't = ' + t.toFixed(1) + ' ms' + (Number(speed.value) > 1 ? ', ' + speed.value + '× slower' : '');
      root.dataset.t = t.toFixed(3);
    };
    const stop = () => {
      playing = false;
      play.textContent = '▶ play';
    };
    const frame = (now) => {
      if (!playing) return;
      show(t + (now - last) / Number(speed.value));
      last = now;
      if (t >= data.end_ms) stop();
      else requestAnimationFrame(frame);
    };
    play.addEventListener('click', () => {
      if (playing) return stop();
      if (t >= data.end_ms) t = 0;
      playing = true;
      play.textContent = '❚❚ pause';
      last = performance.now();
      requestAnimationFrame(frame);
    });
    root.querySelector('.step').addEventListener('click', () => {
      stop();
      const next = changes.find((c) => c > t + 1e-6);
      show(next === undefined ? data.end_ms : next);
    });
    scrub.addEventListener('input', () => {
      stop();
      show(Number(scrub.value));
    });
    speed.addEventListener('change', () => show(t));
    root.showAt = show;
    show(0);
  }
  const wanted = decodeURIComponent(location.hash).match(/^#replay=(.+)@([0-9.]+)$/);
  const target = wanted && players.find((p) => p.dataset.arm === wanted[1]);
  if (target) target.showAt(Number(wanted[2]));
})();
)js";
}

}  // namespace lab
