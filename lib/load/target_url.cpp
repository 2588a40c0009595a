#include "load/load_generator.hpp"

#include "model/numbers.hpp"

#include <boost/url/parse.hpp>
#include <stdexcept>

namespace lab {

target_url parse_url(std::string_view text) {
    auto url = boost::urls::parse_uri(text);
    if (!url) throw std::invalid_argument("not a URL: '" + std::string(text) + "' (expected http[s]://host:port/path)");
    if (url->scheme() != "http" && url->scheme() != "https")
        throw std::invalid_argument("unsupported scheme '" + std::string(url->scheme()) + "' (http:// or https://)");
    if (url->encoded_host().empty()) throw std::invalid_argument("URL has no host: '" + std::string(text) + "'");
    target_url out;
    out.tls = url->scheme() == "https";
    out.host = std::string(url->encoded_host_address());
    out.port = url->has_port() ? std::string(url->port()) : out.tls ? "443" : "80";
    // Decimal, 1 … 65535: Boost.URL keeps any digits, and a resolver would wrap 99999 to 34463.
    auto port = parse_decimal_integer(out.port);
    if (!port || *port < 1 || *port > 65535)
        throw std::invalid_argument("bad port '" + out.port + "' in '" + std::string(text) + "' (expected 1 … 65535)");
    out.port = std::to_string(*port);
    out.target = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    if (url->has_query()) out.target += "?" + std::string(url->encoded_query());
    // A target is origin-form: it starts with '/' (the fuzzer found "http://h:9)999/" taken
    // as host h, port 9 and the target ")999/").
    if (out.target.front() != '/') throw std::invalid_argument("not a URL: '" + std::string(text) + "' (expected http[s]://host:port/path)");
    return out;
}

target_url parse_downstream(std::string_view text) {
    if (!text.starts_with("http://") && !text.starts_with("https://") && text.find("://") != std::string_view::npos)
        throw std::invalid_argument("a downstream is an http:// URL, not '" + std::string(text) + "'");
    target_url out = parse_url(text);
    if (out.tls) throw std::invalid_argument("a downstream is called over plain http://, not '" + std::string(text) + "'");
    // Its path is a base the routes append /async?ms=T to: a query would end up in the middle.
    if (out.target.find('?') != std::string::npos)
        throw std::invalid_argument("a downstream is a base URL without a query, not '" + std::string(text) + "'");
    while (!out.target.empty() && out.target.back() == '/') out.target.pop_back();
    return out;
}

}  // namespace lab
