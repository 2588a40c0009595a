#pragma once
// Internal to lib/server: a JSON body whose keys never change, built once and then reused.
//
// Boost.JSON spends about 300 instructions inserting one key into an object, and the /health
// body has six: building it cost as much as serializing it, a sixth of the server's work per
// request. A fixed_body inserts its keys once; each request overwrites the values in place. Keep
// one per thread and route (thread_local), fill it and serialize it without suspending between.
#include <boost/json/object.hpp>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lab {

class fixed_body {
public:
    // The keys, in order: those of `shared` (fields several bodies have), then `own`.
    fixed_body(std::span<const std::string_view> shared, std::initializer_list<std::string_view> own) {
        object_.reserve(shared.size() + own.size());
        for (auto key : shared) object_.emplace(key, nullptr);
        for (auto key : own) object_.emplace(key, nullptr);
    }

    // The value under `key`; a key not given at construction throws std::out_of_range (a route
    // that wants another key needs another body, or stale keys would leak between requests).
    boost::json::value& operator[](std::string_view key) {
        // A plain scan: for a handful of keys it beats object::at's hashed look-up (callgrind:
        // 200 instructions fewer per /health request, which makes six look-ups).
        for (auto& field : object_)
            if (field.key() == key) return field.value();
        throw std::out_of_range("fixed_body has no key " + std::string(key));
    }

    const boost::json::object& object() const { return object_; }

private:
    boost::json::object object_;
};

}  // namespace lab
