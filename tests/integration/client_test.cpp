// `load` and foreign arms speaking to real APIs (issue 30): the method, headers and body each
// request carries, unix sockets, https. Every server here is a real one: Python's standard library
// writes down what it was sent (tests/apps/echo_server.py), uvicorn listens on a unix socket, and
// nginx serves https with a self-signed certificate that openssl makes for the test.
#include "process/command_process.hpp"
#include "raw_socket.hpp"
#include "run_command.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

TEST_SUITE_BEGIN("integration");

namespace fs = std::filesystem;
using namespace lab::test;
using namespace std::chrono_literals;

namespace {

const fs::path test_apps = fs::path(DOCS_DIR).parent_path() / "tests/apps";
const fs::path probe_apps = fs::path(DOCS_DIR).parent_path() / "probes/python/tests/apps";

// A folder of the test's own, removed with what is in it.
struct scratch {
    fs::path dir;
    explicit scratch(const std::string& name)
        : dir(fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~scratch() { fs::remove_all(dir); }
    fs::path write(const std::string& name, const std::string& bytes) const {
        std::ofstream(dir / name, std::ios::binary) << bytes;
        return dir / name;
    }
};

bool accepts(int port) {
    const int fd = connect_to(port);
    if (fd >= 0) ::close(fd);
    return fd >= 0;
}

// The echo server on a free port, stopped (its whole group) when the test ends.
struct echo_server {
    fs::path log;
    int port = lab::free_loopback_port();
    lab::command_process process;
    explicit echo_server(const fs::path& log_file)
        : log(log_file),
          process({{"/usr/bin/python3", (test_apps / "echo_server.py").string(), "--port", "{port}", "--log", log.string()}}, port) {
        REQUIRE(wait_for([&] { return accepts(port); }, 20s));
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

std::vector<nlohmann::json> logged(const fs::path& log) {
    std::vector<nlohmann::json> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

std::string decoded(const std::string& b64) {
    std::string out(boost::beast::detail::base64::decoded_size(b64.size()), '\0');
    out.resize(boost::beast::detail::base64::decode(out.data(), b64.data(), b64.size()).first);
    return out;
}

// The header lines the server got, without the two the client always sends.
std::vector<std::pair<std::string, std::string>> own_headers(const nlohmann::json& entry) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& h : entry["headers"]) out.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    return out;
}

std::string header(const nlohmann::json& entry, const std::string& name) {
    for (const auto& h : entry["headers"])
        if (h[0].get<std::string>() == name) return h[1];
    return "(none)";
}

// Bytes a shell or a careless parser would mangle: NUL, CR LF, a quote, UTF-8.
const std::string awkward_body = std::string("{\"order\": 7, \"note\": \"a\\r\\nb\"}\r\n\0tail \xc3\xa9", 41);

}  // namespace

TEST_CASE("load sends the method — headers and body it is given — byte for byte on every request") {
    scratch s("lab-echo");
    echo_server echo(s.dir / "log.jsonl");
    const auto body = s.write("body.bin", awkward_body);
    auto r = run_lab({"load", echo.url("/orders?x=1"), "-m", "PUT", "-H", "Content-Type: application/json", "-H",
                      "Authorization: Bearer t0k3n", "-H", "X-Twice: 1", "-H", "X-Twice: 2", "--body-file",
                      body.string(), "-n", "3", "-c", "1", "--format", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);  // load's JSON is its one arm
    CHECK(doc["ok"] == 3);
    const auto got = logged(echo.log);
    REQUIRE(got.size() == 3);
    for (const auto& entry : got) {
        CHECK(entry["method"] == "PUT");
        CHECK(entry["target"] == "/orders?x=1");
        CHECK(decoded(entry["body"]) == awkward_body);
        CHECK(header(entry, "Content-Length") == std::to_string(awkward_body.size()));
        CHECK(header(entry, "Authorization") == "Bearer t0k3n");
        CHECK(header(entry, "Content-Type") == "application/json");
        const auto headers = own_headers(entry);
        // Both lines of a repeated header, in the order given.
        std::vector<std::string> twice;
        for (const auto& [name, value] : headers)
            if (name == "X-Twice") twice.push_back(value);
        CHECK(twice == std::vector<std::string>{"1", "2"});
    }
    // What came back: three 200s of the echo's 16-byte body, in JSON and in load's table.
    CHECK(doc["statuses"] == nlohmann::json{{"200", 3}});
    CHECK(doc["body_bytes"] == nlohmann::json{{"min", 16}, {"mean", 16.0}, {"max", 16}});
    auto table = run_lab({"load", echo.url("/"), "-n", "2", "-c", "1", "--width", "0"});
    REQUIRE(table.exit_code == 0);
    CHECK(table.out.find("status codes") != std::string::npos);
    CHECK(table.out.find("200 × 2") != std::string::npos);
    CHECK(table.out.find("16 B") != std::string::npos);
}

TEST_CASE("a body without a method is a POST as curl sends it — and a Host header replaces the client's") {
    scratch s("lab-echo-post");
    echo_server echo(s.dir / "log.jsonl");
    auto r = run_lab({"load", echo.url("/items"), "-b", R"({"name": "x"})", "-H", "Host: api.example", "-n", "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto got = logged(echo.log);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["method"] == "POST");
    CHECK(decoded(got[0]["body"]) == R"({"name": "x"})");
    CHECK(header(got[0], "Host") == "api.example");
    int hosts = 0;
    for (const auto& [name, value] : own_headers(got[0])) hosts += name == "Host";
    CHECK(hosts == 1);
}

TEST_CASE("a HEAD request's answer has no body whatever its Content-Length says: no wait for one") {
    scratch s("lab-echo-head");
    echo_server echo(s.dir / "log.jsonl");
    auto r = run_lab({"load", echo.url("/"), "-m", "HEAD", "-n", "4", "-c", "2", "--timeout", "2", "--format", "json"}, 30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["ok"] == 4);
    CHECK(doc["wall_ms"].get<double>() < 1000);  // a wait for the body would run into the 2 s timeout
}

TEST_CASE("a foreign arm's method — headers and body_file — come from the scenario file (body_file relative to it)") {
    scratch s("lab-echo-file");
    s.write("body.bin", awkward_body);
    const auto log = s.dir / "log.jsonl";
    const auto file = s.write("echo.toml", "title = \"echo\"\nlesson = \"What was sent.\"\n[target]\ncommand = "
                                           "[\"/usr/bin/python3\", \"" + (test_apps / "echo_server.py").string() +
                                           "\", \"--port\", \"{port}\", \"--log\", \"" + log.string() +
                                           "\"]\n[[arms]]\nname = \"patch\"\npath = \"/o/1\"\nmethod = \"PATCH\"\n"
                                           "headers = [\"X-Api-Key: k\", \"Accept: */*\"]\nbody_file = \"body.bin\"\n"
                                           "requests = 2\nconcurrency = 1\n"
                                           "[[arms]]\nname = \"implied\"\npath = \"/p\"\nbody = \"x\"\nrequests = 1\n");
    auto r = run_lab({"scenario", file.string(), "--format", "json"}, 60);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<nlohmann::json> patches;
    for (const auto& entry : logged(log))
        if (entry["method"] == "PATCH") patches.push_back(entry);  // the readiness GETs aside
    REQUIRE(patches.size() == 2);
    CHECK(patches[0]["target"] == "/o/1");
    CHECK(decoded(patches[0]["body"]) == awkward_body);
    CHECK(header(patches[0], "X-Api-Key") == "k");
    CHECK(header(patches[0], "Accept") == "*/*");
    // A body without a method is a POST, in a file as on the command line.
    std::vector<nlohmann::json> posts;
    for (const auto& entry : logged(log))
        if (entry["target"] == "/p") posts.push_back(entry);
    REQUIRE(posts.size() == 1);
    CHECK(posts[0]["method"] == "POST");
    CHECK(decoded(posts[0]["body"]) == "x");
}

TEST_CASE("a request part that would write a header of its own or frame the request is refused in one line") {
    scratch s("lab-echo-bad");
    const std::string url = "http://127.0.0.1:9/";
    const std::vector<std::vector<std::string>> refused{
        {"-H", "X-A: 1\r\nX-Injected: 2"},
        {"-H", "X-A: 1\nX-Injected: 2"},
        {"-H", "No colon"},
        {"-H", "Bad Name: 1"},
        {"-H", "Content-Length: 3"},
        {"-H", "transfer-encoding: chunked"},
        {"-H", "Connection: close"},
        {"-m", "GET /evil HTTP/1.1\r\nX:"},
        {"-m", "CONNECT"},
        {"--body-file", (s.dir / "missing.bin").string()},
        {"--body-file", s.dir.string()},
        {"-b", "x", "--body-file", "-"},
        {"--insecure"},
        {"--cacert", "/etc/hostname"},
    };
    for (const auto& extra : refused) {
        std::vector<std::string> args{"load", url, "-n", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = run_lab(args, 20);
        INFO(extra.front(), " ", extra.back());
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.err.find("\r") == std::string::npos);
    }
    // The same checks in a scenario file: the line and the key are named.
    const auto file = s.write("bad.toml", "title = \"bad\"\nlesson = \"l.\"\n[target]\nurl = \"http://127.0.0.1:9\"\n"
                                          "[[arms]]\nname = \"a\"\npath = \"/\"\nheaders = [\"X: 1\\r\\nY: 2\"]\n");
    auto r = run_lab({"scenario", file.string()}, 20);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("arms[0].headers") != std::string::npos);
    const auto lab_arm = s.write("lab.toml", "title = \"bad\"\nlesson = \"l.\"\n[[arms]]\nname = \"a\"\n"
                                             "route = \"/async\"\nbody = \"x\"\n");
    r = run_lab({"scenario", lab_arm.string()}, 20);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("arms[0].body") != std::string::npos);
}

TEST_CASE("load --unix-socket: the requests go to the socket and Host names the URL's host") {
    scratch s("lab-echo-uds");
    const auto socket = s.dir / "echo.sock";
    const auto log = s.dir / "log.jsonl";
    lab::command_process echo({{"/usr/bin/python3", (test_apps / "echo_server.py").string(), "--unix",
                                socket.string(), "--log", log.string()}},
                              0);
    REQUIRE(wait_for([&] { return fs::exists(socket); }, 20s));
    auto r = run_lab({"load", "--unix-socket", socket.string(), "http://api.local/ping", "-n", "6", "-c", "3",
                      "--format", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["ok"] == 6);
    const auto got = logged(log);
    REQUIRE(got.size() == 6);
    CHECK(got[0]["target"] == "/ping");
    CHECK(header(got[0], "Host") == "api.local:80");
    // A url target with unix_socket: the same socket, the URL's host in Host.
    const auto file = s.write("uds-url.toml", "title = \"uds\"\nlesson = \"l.\"\n[target]\nurl = \"http://api.local\"\n"
                                              "unix_socket = \"" + socket.string() + "\"\n[[arms]]\nname = \"a\"\n"
                                              "path = \"/via-file\"\nrequests = 3\nconcurrency = 1\n");
    r = run_lab({"scenario", file.string(), "--format", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["arms"][0]["ok"] == 3);
    int via_file = 0;
    for (const auto& entry : logged(log)) via_file += entry["target"] == "/via-file" && header(entry, "Host") == "api.local:80";
    CHECK(via_file == 3);
    // A path longer than a socket address holds is refused by name, not cut short.
    r = run_lab({"load", "--unix-socket", "/tmp/" + std::string(120, 's'), "http://x/", "-n", "1"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("longer than 107 bytes") != std::string::npos);
    // No socket there: every request fails to connect, and the run says so (exit 1), no crash.
    r = run_lab({"load", "--unix-socket", (s.dir / "none.sock").string(), "http://x/", "-n", "2", "--format", "json"});
    CHECK(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.out)["errors"]["connect"] == 2);
}

TEST_CASE("a uvicorn command target on {socket}: loaded over the socket — nothing left after it or a SIGTERM") {
    scratch s("lab-uds-target");
    const auto tmp = s.dir / "tmp";
    fs::create_directories(tmp);
    const auto file = s.write("uds.toml", "title = \"uds\"\nlesson = \"l.\"\n[target]\ncommand = [\"/usr/bin/python3\", "
                                          "\"-m\", \"uvicorn\", \"blocking_app:app\", \"--uds\", \"{socket}\", "
                                          "\"--log-level\", \"warning\"]\ncwd = \"" + probe_apps.string() +
                                          "\"\nready = \"/health\"\nready_timeout_s = 30\n[[arms]]\nname = \"async\"\n"
                                          "path = \"/async\"\nms = 50\nmodel = \"concurrent\"\n"
                                          "[[arms]]\nname = \"long\"\npath = \"/async\"\nms = 50\nrequests = 400\nconcurrency = 1\n");
    const auto marker = unique_env_marker();
    const std::vector<std::string> env{marker, "TMPDIR=" + tmp.string()};
    auto r = run_lab({"scenario", file.string(), "--format", "json", "--requests", "10"}, 120, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["arms"][0]["ok"] == 10);
    CHECK(doc["arms"][0]["verdict"] == "concurrent");
    CHECK(fs::is_empty(tmp));  // the socket's folder went with the command
    CHECK(count_processes_with_env(marker) == 0);

    // {socket} in the environment alone is filled in too (and the load goes there).
    const auto log = s.dir / "env-log.jsonl";
    const auto by_env = s.write("env.toml", "title = \"uds\"\nlesson = \"l.\"\n[target]\ncommand = [\"/bin/sh\", \"-c\", "
                                            "\"exec /usr/bin/python3 " + (test_apps / "echo_server.py").string() +
                                            " --unix \\\"$SOCK\\\" --log " + log.string() + "\"]\n"
                                            "env = { SOCK = \"{socket}\" }\n[[arms]]\nname = \"a\"\npath = \"/e\"\n"
                                            "requests = 3\nconcurrency = 1\n");
    r = run_lab({"scenario", by_env.string(), "--format", "json"}, 60, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["arms"][0]["ok"] == 3);
    CHECK(fs::is_empty(tmp));

    // Interrupted while the long arm runs: the command stops, its socket and folder go.
    const pid_t lab = start_lab({"scenario", file.string(), "--format", "json"}, env);
    const bool socket_made = wait_for([&] {
        for (const auto& d : fs::recursive_directory_iterator(tmp))
            if (d.is_socket()) return true;
        return false;
    }, 30s);
    std::this_thread::sleep_for(1500ms);  // into the load
    ::kill(lab, SIGTERM);
    int status = 0;
    REQUIRE(wait_for([&] { return ::waitpid(lab, &status, WNOHANG) == lab; }, 30s));
    CHECK(socket_made);
    CHECK(WIFEXITED(status));
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 5s));
    CHECK(fs::is_empty(tmp));
}

namespace {

// nginx serving https on a free port with a certificate openssl makes for 127.0.0.1 and
// localhost (self-signed: its own CA), in a folder of the test's own.
struct tls_server {
    scratch s;
    int port = lab::free_loopback_port();
    fs::path cert = s.dir / "cert.pem", key = s.dir / "key.pem";
    std::optional<lab::command_process> nginx;

    // sni_split: a default server with another name's certificate beside one for `localhost`, on
    // the same port: only a client that sends SNI is shown the certificate it can verify.
    explicit tls_server(bool sni_split = false, const std::string& folder = "lab-tls",
                        const std::string& names = "DNS:localhost,IP:127.0.0.1")
        : s(folder) {
        make_certificate(cert, key, "localhost", names);
        std::ofstream(s.dir / "nginx.conf")
            << "daemon off;\nmaster_process off;\npid " << (s.dir / "nginx.pid").string() << ";\nerror_log stderr;\n"
            << "events {}\nhttp {\n  access_log off;\n";
        std::ofstream conf(s.dir / "nginx.conf", std::ios::app);
        for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
            conf << "  " << temp << "_temp_path " << (s.dir / temp).string() << ";\n";
        const auto block = [&](const std::string& listen, const std::string& name, const fs::path& c, const fs::path& k) {
            conf << "  server {\n    listen 127.0.0.1:" << port << " ssl" << listen << ";\n" << name
                 << "    ssl_certificate " << c.string() << ";\n    ssl_certificate_key " << k.string()
                 << ";\n    location / { return 200 \"secure\\n\"; }\n  }\n";
        };
        if (sni_split) {
            // The default server's certificate names another host: a client that sends no SNI gets it.
            make_certificate(s.dir / "default.pem", s.dir / "default-key.pem", "other.example", "DNS:other.example");
            block(" default_server", "", s.dir / "default.pem", s.dir / "default-key.pem");
            block("", "    server_name localhost;\n", cert, key);
        } else {
            block("", "", cert, key);
        }
        conf << "}\n";
        conf.close();
        nginx.emplace(lab::command_line{{"/usr/sbin/nginx", "-e", "stderr", "-p", s.dir.string(), "-c",
                                         (s.dir / "nginx.conf").string()}},
                      port);
        REQUIRE(wait_for([&] { return accepts(port); }, 20s));
    }
    static void make_certificate(const fs::path& cert, const fs::path& key, const std::string& cn,
                                 const std::string& names = "DNS:localhost,IP:127.0.0.1") {
        auto r = run_binary("/usr/bin/openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                                                 "/CN=" + cn, "-addext", "subjectAltName=" + names,
                                                 "-keyout", key.string(), "-out", cert.string()},
                            60);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    std::string url(const std::string& host = "127.0.0.1") const { return "https://" + host + ":" + std::to_string(port) + "/"; }
};

}  // namespace

TEST_CASE("https against nginx's self-signed certificate: refused untrusted — accepted with --cacert or --insecure") {
    tls_server server;
    auto r = run_lab({"load", server.url(), "-n", "3"}, 30);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("certificate verify failed") != std::string::npos);
    CHECK(r.err.find("--cacert") != std::string::npos);

    for (const std::string host : {"127.0.0.1", "localhost"}) {
        r = run_lab({"load", server.url(host), "-n", "5", "-c", "2", "--cacert", server.cert.string(), "--format", "json"}, 30);
        INFO(host, r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(nlohmann::json::parse(r.out)["ok"] == 5);
    }
    r = run_lab({"load", server.url(), "-n", "5", "--insecure", "--format", "json"}, 30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["ok"] == 5);

    // Another CA's certificate is no proof: refused with the wrong --cacert too.
    const auto other_cert = server.s.dir / "other.pem", other_key = server.s.dir / "other-key.pem";
    tls_server::make_certificate(other_cert, other_key, "localhost");
    r = run_lab({"load", server.url(), "-n", "1", "--cacert", other_cert.string()}, 30);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("certificate verify failed") != std::string::npos);
}

TEST_CASE("https checks the certificate's names — and sends SNI so a server with two names answers for the right one") {
    // A certificate the client trusts (--cacert) but made for another name is refused.
    tls_server elsewhere(false, "lab-tls-elsewhere", "DNS:other.example");
    auto r = run_lab({"load", elsewhere.url(), "-n", "1", "--cacert", elsewhere.cert.string()}, 30);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("certificate verify failed") != std::string::npos);

    tls_server split(true, "lab-tls-split");
    r = run_lab({"load", split.url("localhost"), "-n", "4", "--cacert", split.cert.string(), "--format", "json"}, 30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["statuses"] == nlohmann::json{{"200", 4}});  // SNI chose `localhost`'s certificate
}

TEST_CASE("https: the handshake is inside the timed window with --cold") {
    tls_server server;
    const std::vector<std::string> common{"load", server.url(), "-n", "40", "-c", "1", "--insecure", "--format", "json"};
    auto warm = run_lab(common, 60);
    auto cold_args = common;
    cold_args.push_back("--cold");
    auto cold = run_lab(cold_args, 60);
    REQUIRE(warm.exit_code == 0);
    REQUIRE(cold.exit_code == 0);
    const auto w = nlohmann::json::parse(warm.out), c = nlohmann::json::parse(cold.out);
    // One connection for all 40: a handshake (an RSA signature, ~1 ms) is in the cold run's first
    // request, well above the warm run's median (whose handshake was before its window).
    CHECK(c["latency_ms"]["max"].get<double>() > 2 * w["latency_ms"]["p50"].get<double>());
}

TEST_CASE("an https url target in a scenario file takes cacert relative to the file") {
    tls_server server;
    const auto file = server.s.write("tls.toml", "title = \"tls\"\nlesson = \"l.\"\n[target]\nurl = \"" +
                                                     server.url().substr(0, server.url().size() - 1) +
                                                     "\"\ncacert = \"cert.pem\"\n[[arms]]\nname = \"a\"\npath = \"/\"\n"
                                                     "requests = 4\nconcurrency = 2\n");
    auto r = run_lab({"scenario", file.string(), "--format", "json"}, 60);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["arms"][0]["ok"] == 4);
}

TEST_CASE("serve --unix-socket: loaded over the socket — its file removed on SIGTERM — another file never replaced") {
    scratch s("lab-serve-uds");
    const auto socket = s.dir / "lab.sock";
    const pid_t server = start_lab({"serve", "--unix-socket", socket.string(), "--quiet"});
    REQUIRE(wait_for([&] { return fs::exists(socket); }, 20s));
    auto r = run_lab({"load", "--unix-socket", socket.string(), "http://localhost/async?ms=50", "-n", "10", "-c", "10",
                      "--format", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["ok"] == 10);
    CHECK(doc["verdict"] == "concurrent");  // the lab's own server, its route's model judged
    CHECK(doc["server_fields"] == true);    // its Server-Timing came over the socket too

    // A live server's socket is in use: a second server refuses it, and leaves it be.
    auto second = run_lab({"serve", "--unix-socket", socket.string()}, 20);
    CHECK(second.exit_code == 2);
    CHECK(second.err.find("another server listens there") != std::string::npos);
    CHECK(fs::is_socket(socket));

    ::kill(server, SIGTERM);
    int status = 0;
    REQUIRE(wait_for([&] { return ::waitpid(server, &status, WNOHANG) == server; }, 10s));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK_FALSE(fs::exists(socket));

    const auto regular = s.write("not-a-socket", "data");
    r = run_lab({"serve", "--unix-socket", regular.string()}, 20);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("not a socket") != std::string::npos);
    CHECK(fs::is_regular_file(regular));
    r = run_lab({"serve", "--unix-socket", regular.string(), "--workers", "2"}, 20);
    CHECK(r.exit_code == 2);
}

TEST_CASE("an https command target: uvicorn with a certificate — polled and loaded over TLS — trusted by cacert") {
    scratch s("lab-uvicorn-tls");
    tls_server::make_certificate(s.dir / "cert.pem", s.dir / "key.pem", "localhost");
    const std::string head = "title = \"tls\"\nlesson = \"l.\"\n[target]\ncommand = [\"/usr/bin/python3\", \"-m\", "
                             "\"uvicorn\", \"blocking_app:app\", \"--port\", \"{port}\", \"--ssl-keyfile\", \"" +
                             (s.dir / "key.pem").string() + "\", \"--ssl-certfile\", \"" + (s.dir / "cert.pem").string() +
                             "\", \"--log-level\", \"warning\"]\ncwd = \"" + probe_apps.string() +
                             "\"\nready = \"/health\"\nready_timeout_s = 30\nhttps = true\n";
    const std::string arms = "[[arms]]\nname = \"async\"\npath = \"/async\"\nms = 50\nmodel = \"concurrent\"\n"
                             "requests = 6\nconcurrency = 3\n";
    const auto trusted = s.write("trusted.toml", head + "cacert = \"cert.pem\"\n" + arms);
    auto r = run_lab({"scenario", trusted.string(), "--format", "json"}, 120);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["arms"][0]["ok"] == 6);
    // Not trusted: the readiness poll's handshake fails, and the run says why in one line.
    const auto untrusted = s.write("untrusted.toml", head + arms);
    r = run_lab({"scenario", untrusted.string(), "--format", "json"}, 120);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("certificate verify failed") != std::string::npos);
}
