#include "replay_player.hpp"

#include "process/interrupt.hpp"
#include "report/report.hpp"
#include "terminal_width.hpp"

#include <chrono>
#include <csignal>
#include <sys/ioctl.h>
#include <utility>
#include <fmt/format.h>
#include <poll.h>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace lab {

namespace {

constexpr char leave_screen[] = "\033[?25h\033[?1049l";  // the cursor back, the screen as it was
termios saved_terminal{};

// Called from a signal handler (a SIGHUP, a second SIGINT): write and tcsetattr only.
void give_terminal_back() {
    [[maybe_unused]] auto n = ::write(STDOUT_FILENO, leave_screen, sizeof leave_screen - 1);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
}

// Raw keys and the alternate screen for the player's life; the terminal as it was afterwards,
// on every way out: the end, q, a first SIGINT or SIGTERM (the loop sees it), a signal that ends
// the driver at once (the interrupt handler's hook). Ctrl-Z is ignored meanwhile: a player
// stopped in raw mode would leave the shell a terminal without echo.
class raw_terminal {
public:
    raw_terminal() {
        ::tcgetattr(STDIN_FILENO, &saved_terminal);
        termios raw = saved_terminal;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        old_tstp_ = ::signal(SIGTSTP, SIG_IGN);
        run_on_fatal_signal(give_terminal_back);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        write("\033[?1049h\033[?25l\033[2J");  // the alternate screen, no cursor
    }
    ~raw_terminal() {
        give_terminal_back();
        run_on_fatal_signal(nullptr);
        ::signal(SIGTSTP, old_tstp_);
    }
    raw_terminal(const raw_terminal&) = delete;
    raw_terminal& operator=(const raw_terminal&) = delete;

    static void write(const std::string& text) {
        for (std::size_t done = 0; done < text.size();) {
            const auto n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }

    // A key pressed within `wait_ms`, or 0.
    static char key(int wait_ms) {
        pollfd in{STDIN_FILENO, POLLIN, 0};
        char c = 0;
        if (::poll(&in, 1, wait_ms) > 0 && ::read(STDIN_FILENO, &c, 1) == 1) return c;
        return 0;
    }

private:
    sighandler_t old_tstp_ = SIG_DFL;
};

enum class after { next, quit };

// One arm, from 0 to its end; at the end it waits on the last frame for a key.
// The terminal's columns and rows now (it may have been resized); 80 × 24 when it cannot say.
std::pair<std::size_t, std::size_t> terminal_size() {
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && size.ws_row > 0)
        return {std::max<std::size_t>(size.ws_col, narrowest_width), size.ws_row};
    return {80, 24};
}

after play_arm(const arm_result& arm, int slower, const std::string& where) {
    using clock = std::chrono::steady_clock;
    const double end_ms = replay_end_ms(arm);
    double t = 0;
    bool paused = false;
    auto last = clock::now();
    for (;;) {
        if (interrupt_signal().load()) return after::quit;
        const auto now = clock::now();
        if (!paused) t = std::min(end_ms, t + std::chrono::duration<double, std::milli>(now - last).count() / slower);
        last = now;
        const bool at_end = t >= end_ms;
        const std::string keys = at_end ? "the end — r again · n next · q quit"
                                 : paused ? "paused — space play · n next · r again · q quit"
                                          : "space pause · n next · r again · q quit";
        const auto status = fmt::format("{} · {}× slower · {}", where, slower, keys);
        // Home, the frame with each line's rest cleared, then the rest of the screen.
        const auto [columns, rows] = terminal_size();
        std::string frame = replay_frame(arm, t, columns, status, rows), screen = "\033[H";
        for (std::size_t at = 0, nl; (nl = frame.find('\n', at)) != std::string::npos; at = nl + 1)
            screen += frame.substr(at, nl - at) + "\033[K\r\n";
        raw_terminal::write(screen + "\033[J");
        switch (raw_terminal::key(40)) {
            case 'q': case 'Q': return after::quit;
            case 'n': case 'N': return after::next;
            case 'r': case 'R': t = 0, paused = false; break;
            case ' ': paused = !paused; break;
            default: break;
        }
    }
}

}  // namespace

bool can_replay() { return ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO); }

void play_replay(const std::vector<scenario_result>& results, int slower) {
    std::vector<std::pair<const arm_result*, std::string>> arms;
    for (const auto& r : results)
        for (const auto& a : r.arms)
            if (!a.run.states.empty()) arms.emplace_back(&a, r.name);
    if (arms.empty()) return;
    raw_terminal terminal;
    for (std::size_t i = 0; i < arms.size(); ++i) {
        const auto where = fmt::format("{} arm {} of {}", arms[i].second, i + 1, arms.size());
        if (play_arm(*arms[i].first, slower, where) == after::quit) return;
    }
}

}  // namespace lab
