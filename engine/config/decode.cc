#include "engine/config/decode.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/config/enum_names.h"
#include "engine/config/text.h"

namespace flowbridge::config::detail {

namespace {

// --- Context and field access ------------------------------------------------------------------

/// State of decoding one YAML document. `meta` is set once the resource's kind is known, so
/// that every field read from then on records where it was written.
struct doc_ctx {
    const std::string& file;
    int line_offset = 0;
    diagnostics& diags;
    std::string prefix;  ///< "items[3]." inside a List
    object_meta* meta = nullptr;

    location loc(const YAML::Node& n) const {
        if (!n.IsDefined()) return {file, line_offset + 1, 1};
        auto m = n.Mark();
        if (m.line < 0) return {file, line_offset + 1, 1};
        return {file, m.line + 1 + line_offset, m.column + 1};
    }
    void error(const location& l, std::string_view path, std::string msg) {
        diags.error(l, prefix + std::string(path), std::move(msg));
    }
    void warning(const location& l, std::string_view path, std::string msg) {
        diags.warning(l, prefix + std::string(path), std::move(msg));
    }
    void record(const std::string& path, const location& l) {
        if (meta) meta->fields.emplace(path, l);
    }
};

/// A field that was found: its value node, its path and where its key was written.
struct field {
    YAML::Node node;
    std::string path;
    location where;
};

bool is_simple_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string child_path(std::string_view parent, std::string_view key) {
    if (!is_simple_key(key)) return std::string(parent) + "[\"" + std::string(key) + "\"]";
    if (parent.empty()) return std::string(key);
    return std::string(parent) + "." + std::string(key);
}

std::string item_path(std::string_view parent, std::size_t i) {
    return std::string(parent) + "[" + std::to_string(i) + "]";
}

std::string kind_of(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Null:
            return "null";
        case YAML::NodeType::Scalar:
            return "a scalar";
        default:
            return "nothing";
    }
}

/// Reads the keys of one mapping. Every key asked for is "known"; `finish()` warns about the
/// others (SPEC §2: unknown fields are a warning naming file, line and path).
class map_reader {
  public:
    map_reader(doc_ctx& ctx, const field& f) : map_reader(ctx, f.node, f.path, f.where) {}

    map_reader(doc_ctx& ctx, const YAML::Node& node, std::string path, location where)
        : ctx_(ctx), path_(std::move(path)), where_(std::move(where)) {
        if (!node.IsDefined() || node.IsNull()) return;
        if (!node.IsMap()) {
            ctx_.error(where_, path_, "must be a mapping, got " + kind_of(node));
            valid_ = false;
            return;
        }
        for (auto it = node.begin(); it != node.end(); ++it) {
            const YAML::Node k = it->first;  // a copy: it-> yields a temporary
            location kl = ctx_.loc(k);
            if (!k.IsScalar()) {
                ctx_.error(kl, path_, "keys must be strings, got " + kind_of(k));
                continue;
            }
            const std::string& key = k.Scalar();
            bool duplicate = false;
            for (const auto& e : entries_) {
                if (e.key == key) {
                    ctx_.error(kl, child_path(path_, key),
                               "duplicate key (first written at line " +
                                   std::to_string(e.where.line) + ")");
                    duplicate = true;
                    break;
                }
            }
            if (!duplicate) entries_.push_back({key, it->second, kl, false});
        }
    }

    bool valid() const { return valid_; }
    const location& where() const { return where_; }
    const std::string& path() const { return path_; }

    std::optional<field> take(std::string_view key) {
        known_.emplace_back(key);
        for (auto& e : entries_) {
            if (e.key == key && !e.taken) {
                e.taken = true;
                field f{e.value, child_path(path_, key), e.where};
                ctx_.record(f.path, f.where);
                return f;
            }
        }
        return std::nullopt;
    }

    /// Like take(), and a missing or null value is an error.
    std::optional<field> required(std::string_view key) {
        auto f = take(key);
        if (!f) {
            if (valid_) ctx_.error(where_, child_path(path_, key), "required field is missing");
            return std::nullopt;
        }
        if (f->node.IsNull()) {
            ctx_.error(f->where, f->path, "required field is empty");
            return std::nullopt;
        }
        return f;
    }

    /// Accepts `key` without using it (metadata noise such as resourceVersion).
    void ignore(std::string_view key) { take(key); }

    /// Accepts `key` with a warning that it has no effect (SPEC §2: ignored settings warn).
    void ignore_with_warning(std::string_view key, std::string_view why) {
        if (auto f = take(key)) ctx_.warning(f->where, f->path, "ignored: " + std::string(why));
    }

    bool has(std::string_view key) const {
        for (const auto& e : entries_)
            if (e.key == key) return true;
        return false;
    }

    void finish() {
        for (const auto& e : entries_) {
            if (e.taken) continue;
            std::string msg = "unknown field; ignored";
            std::string best;
            std::size_t best_distance = 3;
            for (const auto& k : known_) {
                auto d = edit_distance(e.key, k, 2);
                if (d < best_distance) {
                    best_distance = d;
                    best = k;
                }
            }
            if (!best.empty()) msg += " (did you mean '" + best + "'?)";
            ctx_.warning(e.where, child_path(path_, e.key), msg);
        }
    }

  private:
    struct entry {
        std::string key;
        YAML::Node value;
        location where;
        bool taken = false;
    };
    doc_ctx& ctx_;
    std::string path_;
    location where_;
    std::vector<entry> entries_;
    std::vector<std::string> known_;
    bool valid_ = true;
};

// --- Scalars -----------------------------------------------------------------------------------

/// A string field. Null leaves `out` alone and returns false. Numbers and booleans written
/// without quotes are taken as their text (Kubernetes would coerce the same way via kubectl).
bool read_string(doc_ctx& ctx, const field& f, std::string& out) {
    if (f.node.IsNull()) return false;
    if (!f.node.IsScalar()) {
        ctx.error(f.where, f.path, "must be a string, got " + kind_of(f.node));
        return false;
    }
    out = f.node.Scalar();
    return true;
}

bool read_required_string(doc_ctx& ctx, map_reader& r, std::string_view key, std::string& out) {
    auto f = r.required(key);
    if (!f) return false;
    if (!read_string(ctx, *f, out)) return false;
    if (out.empty()) {
        ctx.error(f->where, f->path, "must not be empty");
        return false;
    }
    return true;
}

bool read_optional_string(doc_ctx& ctx, map_reader& r, std::string_view key, std::string& out) {
    auto f = r.take(key);
    return f && read_string(ctx, *f, out);
}

bool is_plain(const YAML::Node& n) { return n.Tag() == "?"; }

/// An unsigned integer in lo..hi, written as a plain YAML integer.
bool read_uint(doc_ctx& ctx, const field& f, std::uint64_t lo, std::uint64_t hi,
               std::uint64_t& out) {
    auto range = std::to_string(lo) + ".." + std::to_string(hi);
    if (!f.node.IsScalar()) {
        ctx.error(f.where, f.path, "must be an integer " + range + ", got " + kind_of(f.node));
        return false;
    }
    const std::string& s = f.node.Scalar();
    if (!is_plain(f.node)) {
        ctx.error(f.where, f.path,
                  "must be an integer " + range + ", got the string " + quoted(s) +
                      " (remove the quotes)");
        return false;
    }
    std::string_view digits = s;
    bool negative = false;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    bool all_digits = !digits.empty() && ptr == digits.data() + digits.size();
    if (!all_digits) {
        ctx.error(f.where, f.path, "must be an integer " + range + ", got " + quoted(s));
        return false;
    }
    if (ec == std::errc::result_out_of_range || negative || v < lo || v > hi) {
        if (negative && v == 0 && lo == 0) {
            out = 0;
            return true;
        }
        ctx.error(f.where, f.path, "must be " + range + ", got " + s);
        return false;
    }
    out = v;
    return true;
}

template <class T>
void read_uint_field(doc_ctx& ctx, map_reader& r, std::string_view key, std::uint64_t lo,
                     std::uint64_t hi, T& out) {
    if (auto f = r.take(key)) {
        std::uint64_t v = 0;
        if (f->node.IsNull()) return;  // null = default, as Kubernetes does
        if (read_uint(ctx, *f, lo, hi, v)) out = static_cast<T>(v);
    }
}

bool parse_bool_text(std::string_view s, bool& out) {
    if (equals_ignore_case(s, "true")) {
        out = true;
        return true;
    }
    if (equals_ignore_case(s, "false")) {
        out = false;
        return true;
    }
    return false;
}

bool read_bool(doc_ctx& ctx, const field& f, bool& out) {
    if (!f.node.IsScalar() || !parse_bool_text(f.node.Scalar(), out)) {
        ctx.error(f.where, f.path,
                  "must be true or false, got " +
                      (f.node.IsScalar() ? quoted(f.node.Scalar()) : kind_of(f.node)));
        return false;
    }
    return true;
}

template <class E, std::size_t N>
std::string allowed_names(const std::array<enum_name<E>, N>& table) {
    std::string out;
    for (const auto& e : table) {
        if (e.alias) continue;
        if (!out.empty()) out += ", ";
        out += e.name;
    }
    return out;
}

/// Enum values are matched case-insensitively (SPEC §2); an alias is accepted with a warning.
template <class E, std::size_t N>
bool read_enum(doc_ctx& ctx, const field& f, const std::array<enum_name<E>, N>& table, E& out) {
    if (!f.node.IsScalar()) {
        ctx.error(f.where, f.path,
                  "must be one of " + allowed_names(table) + ", got " + kind_of(f.node));
        return false;
    }
    const std::string& s = f.node.Scalar();
    for (const auto& e : table) {
        if (!equals_ignore_case(e.name, s)) continue;
        if (e.alias) {
            ctx.warning(f.where, f.path,
                        quoted(s) + " is accepted as an alias of '" +
                            std::string(canonical_name(table, e.value)) + "'");
        }
        out = e.value;
        return true;
    }
    std::string msg = "must be one of " + allowed_names(table) + "; got " + quoted(s);
    for (const auto& e : table) {
        if (!e.alias && edit_distance(e.name, s, 2) <= 2) {
            msg += " (did you mean '" + std::string(e.name) + "'?)";
            break;
        }
    }
    ctx.error(f.where, f.path, msg);
    return false;
}

template <class E, std::size_t N>
std::optional<field> read_enum_field(doc_ctx& ctx, map_reader& r, std::string_view key,
                                     const std::array<enum_name<E>, N>& table, E& out) {
    auto f = r.take(key);
    if (f && !f->node.IsNull()) read_enum(ctx, *f, table, out);
    return f;
}

// --- Names ---------------------------------------------------------------------------------

bool is_dns_subdomain(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!alnum(c) && c != '-' && c != '.') return false;
    return true;
}

bool is_dns_label(std::string_view s) {
    return s.size() <= 63 && is_dns_subdomain(s) && s.find('.') == std::string_view::npos;
}

bool is_config_key(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

/// A reference to another resource by name (secretRef, endpointRef, ...).
void check_reference_name(doc_ctx& ctx, const field& f, const std::string& name) {
    if (!name.empty() && !is_dns_subdomain(name))
        ctx.error(f.where, f.path,
                  "must be a resource name (lowercase letters, digits, '-' and '.'), got " +
                      quoted(name));
}

void read_required_ref(doc_ctx& ctx, map_reader& r, std::string_view key, std::string& out) {
    auto f = r.required(key);
    if (!f || !read_string(ctx, *f, out)) return;
    if (out.empty()) {
        ctx.error(f->where, f->path, "must not be empty");
        return;
    }
    check_reference_name(ctx, *f, out);
}

// --- metadata ------------------------------------------------------------------------------

void decode_string_map(doc_ctx& ctx, const field& f, std::map<std::string, std::string>& out) {
    map_reader r(ctx, f);
    if (!r.valid()) return;
    // Every key is welcome here: read them all through take() so none is "unknown".
    std::vector<std::string> keys;
    for (auto it = f.node.begin(); f.node.IsMap() && it != f.node.end(); ++it)
        if (it->first.IsScalar()) keys.push_back(it->first.Scalar());
    for (const auto& k : keys) {
        auto v = r.take(k);
        if (!v) continue;
        std::string s;
        if (v->node.IsNull()) {
            out[k] = "";
        } else if (read_string(ctx, *v, s)) {
            out[k] = s;
        }
    }
}

void decode_metadata(doc_ctx& ctx, map_reader& root, object_meta& meta) {
    auto f = root.required("metadata");
    if (!f) return;
    map_reader r(ctx, *f);
    if (!r.valid()) return;
    if (read_required_string(ctx, r, "name", meta.name)) {
        if (!is_dns_subdomain(meta.name))
            ctx.error(meta.at("metadata.name"), "metadata.name",
                      "must be lowercase letters, digits, '-' and '.', starting and ending with "
                      "a letter or digit, at most 253 characters; got " +
                          quoted(meta.name));
    }
    if (auto ns = r.take("namespace")) {
        std::string v;
        if (read_string(ctx, *ns, v) && !v.empty()) {
            meta.namespace_name = v;
            if (!is_dns_label(v))
                ctx.error(ns->where, ns->path,
                          "must be a DNS label (lowercase letters, digits and '-', at most 63 "
                          "characters); got " +
                              quoted(v));
        }
    }
    if (auto a = r.take("annotations")) decode_string_map(ctx, *a, meta.annotations);
    if (auto l = r.take("labels")) decode_string_map(ctx, *l, meta.labels);
    // Server-side fields that `kubectl get -o yaml` writes: accepted silently.
    for (auto key : {"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                     "ownerReferences", "finalizers", "generateName", "deletionTimestamp",
                     "deletionGracePeriodSeconds", "selfLink"})
        r.ignore(key);
    r.finish();
}

// --- Annotations ---------------------------------------------------------------------------

constexpr std::string_view ann_username_password = "flowbridge.io/username-password-secret";
constexpr std::string_view ann_restore = "flowbridge.io/restore-mqtt-properties";
constexpr std::string_view ann_decode_amqp = "flowbridge.io/decode-amqp-headers";
constexpr std::string_view ann_offset_reset = "flowbridge.io/auto-offset-reset";
constexpr std::string_view ann_identity_endpoint = "flowbridge.io/identity-endpoint";
constexpr std::string_view ann_shards = "flowbridge.io/shards";
constexpr std::array known_annotations{ann_username_password, ann_restore,
                                       ann_decode_amqp,       ann_offset_reset,
                                       ann_identity_endpoint, ann_shards};
constexpr std::uint32_t max_shards = 64;

std::string annotation_path(std::string_view key) {
    return child_path("metadata.annotations", key);
}

/// Reads the `flowbridge.io/` annotations one kind of resource understands; warns about the
/// others (unknown, or meant for another kind).
class annotation_reader {
  public:
    annotation_reader(doc_ctx& ctx, const object_meta& meta) : ctx_(ctx), meta_(meta) {}

    std::optional<std::string> take(std::string_view key) {
        used_.emplace_back(key);
        auto it = meta_.annotations.find(std::string(key));
        if (it == meta_.annotations.end()) return std::nullopt;
        return it->second;
    }

    location where(std::string_view key) const { return meta_.at(annotation_path(key)); }

    void error(std::string_view key, std::string msg) {
        ctx_.error(where(key), annotation_path(key), std::move(msg));
    }

    std::optional<bool> take_bool(std::string_view key) {
        auto v = take(key);
        if (!v) return std::nullopt;
        bool b = false;
        if (!parse_bool_text(*v, b)) {
            error(key, "must be \"true\" or \"false\", got " + quoted(*v));
            return std::nullopt;
        }
        return b;
    }

    std::optional<std::uint32_t> take_shards() {
        auto v = take(ann_shards);
        if (!v) return std::nullopt;
        if (*v == "auto") return shards_auto;
        std::uint32_t n = 0;
        auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (v->empty() || ec != std::errc() || ptr != v->data() + v->size() || n < 1 ||
            n > max_shards) {
            error(ann_shards, "must be an integer 1.." + std::to_string(max_shards) +
                                  " or \"auto\", got " + quoted(*v));
            return std::nullopt;
        }
        return n;
    }

    void finish() {
        for (const auto& [key, value] : meta_.annotations) {
            if (!key.starts_with(annotation_prefix)) continue;
            if (std::find(used_.begin(), used_.end(), key) != used_.end()) continue;
            bool known = std::find(known_annotations.begin(), known_annotations.end(), key) !=
                         known_annotations.end();
            ctx_.warning(where(key), annotation_path(key),
                         known ? "ignored: this annotation has no effect on a " + meta_.kind
                               : std::string("unknown flowbridge.io/ annotation; ignored "
                                             "(see docs/configuration.md, Annotations)"));
        }
    }

  private:
    doc_ctx& ctx_;
    const object_meta& meta_;
    std::vector<std::string> used_;
};

// --- DataflowEndpoint ----------------------------------------------------------------------

void decode_tls(doc_ctx& ctx, const field& f, tls_settings& tls) {
    map_reader r(ctx, f);
    if (!r.valid()) return;
    read_enum_field(ctx, r, "mode", tls_mode_names, tls.mode);
    if (auto c = r.take("trustedCaCertificateConfigMapRef")) {
        if (read_string(ctx, *c, tls.trusted_ca_config_map_ref))
            check_reference_name(ctx, *c, tls.trusted_ca_config_map_ref);
    }
    r.finish();
}

struct method_block {
    std::string_view key;
    auth_method method;
};
constexpr std::array method_blocks{
    method_block{"saslSettings", auth_method::sasl},
    method_block{"x509CertificateSettings", auth_method::x509_certificate},
    method_block{"systemAssignedManagedIdentitySettings",
                 auth_method::system_assigned_managed_identity},
    method_block{"userAssignedManagedIdentitySettings",
                 auth_method::user_assigned_managed_identity},
    method_block{"serviceAccountTokenSettings", auth_method::service_account_token},
    method_block{"anonymousSettings", auth_method::anonymous},
};

void decode_authentication(doc_ctx& ctx, const field& f, endpoint_type type, authentication& auth) {
    map_reader r(ctx, f);
    if (!r.valid()) return;
    auto mf = r.required("method");
    bool method_ok = false;
    if (mf) method_ok = read_enum(ctx, *mf, auth_method_names, auth.method);
    if (method_ok) {
        const auto m = auth.method;
        if (m == auth_method::username_password) {
            ctx.error(mf->where, mf->path,
                      "UsernamePassword is not an upstream method; keep method Anonymous and set "
                      "the annotation flowbridge.io/username-password-secret (MQTT endpoints)");
            method_ok = false;
        } else if (type == endpoint_type::kafka && m == auth_method::service_account_token) {
            ctx.error(mf->where, mf->path,
                      "ServiceAccountToken is an MQTT method; a Kafka endpoint supports Sasl, "
                      "X509Certificate, SystemAssignedManagedIdentity, "
                      "UserAssignedManagedIdentity and Anonymous");
            method_ok = false;
        } else if (type == endpoint_type::mqtt && m == auth_method::sasl) {
            ctx.error(mf->where, mf->path,
                      "Sasl is a Kafka method; an MQTT endpoint supports ServiceAccountToken, "
                      "X509Certificate, SystemAssignedManagedIdentity, "
                      "UserAssignedManagedIdentity and Anonymous");
            method_ok = false;
        }
    }
    for (const auto& block : method_blocks) {
        if (method_ok && block.method == auth.method) {
            auto bf = (block.method == auth_method::sasl ||
                       block.method == auth_method::x509_certificate ||
                       block.method == auth_method::user_assigned_managed_identity ||
                       block.method == auth_method::service_account_token)
                          ? r.required(block.key)
                          : r.take(block.key);
            if (!bf) continue;
            map_reader s(ctx, *bf);
            if (!s.valid()) continue;
            switch (block.method) {
                case auth_method::sasl:
                    if (auto t = s.required("saslType"))
                        read_enum(ctx, *t, sasl_type_names, auth.sasl);
                    read_required_ref(ctx, s, "secretRef", auth.secret_ref);
                    break;
                case auth_method::x509_certificate:
                    read_required_ref(ctx, s, "secretRef", auth.secret_ref);
                    break;
                case auth_method::system_assigned_managed_identity:
                    read_optional_string(ctx, s, "audience", auth.audience);
                    break;
                case auth_method::user_assigned_managed_identity:
                    read_required_string(ctx, s, "clientId", auth.client_id);
                    read_required_string(ctx, s, "tenantId", auth.tenant_id);
                    read_optional_string(ctx, s, "scope", auth.scope);
                    break;
                case auth_method::service_account_token:
                    read_required_string(ctx, s, "audience", auth.audience);
                    break;
                default:
                    break;
            }
            s.finish();
        } else if (method_ok) {
            r.ignore_with_warning(
                block.key, "authentication.method is " + std::string(to_string(auth.method)));
        } else {
            r.ignore(block.key);
        }
    }
    r.finish();
}

void decode_batching(doc_ctx& ctx, const field& f, batching_settings& b) {
    map_reader r(ctx, f);
    if (!r.valid()) return;
    auto mode = read_enum_field(ctx, r, "mode", batching_mode_names, b.mode);
    if (auto en = r.take("enabled")) {
        // SPEC §2.1 Decision: the seed's example writes `enabled: true`.
        bool v = true;
        if (read_bool(ctx, *en, v)) {
            auto as_mode = v ? batching_mode::enabled : batching_mode::disabled;
            if (mode && !mode->node.IsNull() && as_mode != b.mode) {
                ctx.error(en->where, en->path,
                          "contradicts batching.mode; write only 'mode: Enabled' or 'mode: "
                          "Disabled'");
            } else {
                ctx.warning(en->where, en->path,
                            "'enabled: " + std::string(v ? "true" : "false") +
                                "' is accepted as an alias of 'mode: " +
                                std::string(v ? "Enabled" : "Disabled") + "'");
                b.mode = as_mode;
            }
        }
    }
    read_uint_field(ctx, r, "latencyMs", 0, 65535, b.latency_ms);
    read_uint_field(ctx, r, "maxMessages", 1, 4294967295ULL, b.max_messages);
    read_uint_field(ctx, r, "maxBytes", 1, 4294967295ULL, b.max_bytes);
    r.finish();
}

void decode_kafka_host(doc_ctx& ctx, const field& f, kafka_settings& k) {
    if (!read_string(ctx, f, k.host)) return;
    if (k.host.empty()) {
        ctx.error(f.where, f.path, "must not be empty");
        return;
    }
    if (k.host == "embedded") {  // SPEC §7: an in-process mock cluster
        k.embedded = true;
        return;
    }
    // SPEC §2.1 Decision: a comma-separated list is a bootstrap server list.
    for (auto part : split(k.host, ',')) {
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        std::string err;
        if (auto hp = parse_host_port(part, err)) {
            k.bootstrap_servers.push_back(*hp);
        } else {
            ctx.error(f.where, f.path, err);
        }
    }
}

void decode_kafka_settings(doc_ctx& ctx, const field& f, dataflow_endpoint& ep) {
    auto& k = ep.kafka;
    map_reader r(ctx, f);
    if (!r.valid()) return;
    if (auto h = r.required("host")) decode_kafka_host(ctx, *h, k);
    if (auto a = r.required("authentication"))
        decode_authentication(ctx, *a, endpoint_type::kafka, k.auth);
    if (auto t = r.take("tls")) decode_tls(ctx, *t, k.tls);
    read_optional_string(ctx, r, "consumerGroupId", k.consumer_group_id);
    auto comp = read_enum_field(ctx, r, "compression", compression_names, k.codec);
    if (auto b = r.take("batching")) decode_batching(ctx, *b, k.batching);
    auto strategy =
        read_enum_field(ctx, r, "partitionStrategy", partition_strategy_names, k.partitioning);
    auto key_prop = r.take("partitionKeyProperty");
    if (key_prop) read_string(ctx, *key_prop, k.partition_key_property);
    read_enum_field(ctx, r, "kafkaAcks", kafka_acks_names, k.acks);
    bool copy = true;
    if (auto c = r.take("copyMqttProperties");
        c && !c->node.IsNull() && read_enum(ctx, *c, toggle_names, copy))
        k.copy_mqtt_properties = copy;
    if (auto ce = read_enum_field(ctx, r, "cloudEventAttributes", cloud_event_attributes_names,
                                  k.cloud_events);
        ce && k.cloud_events == cloud_event_attributes::create_or_remap) {
        ctx.error(ce->where, ce->path,
                  "CreateOrRemap is not supported yet; use Propagate (SPEC §3.2a)");
    }
    r.finish();

    // SPEC §2.1: `Property` needs the name of the user property that carries the key.
    if (k.partitioning == partition_strategy::property && k.partition_key_property.empty()) {
        ctx.error(strategy ? strategy->where : r.where(),
                  child_path(r.path(), "partitionKeyProperty"),
                  "required when partitionStrategy is Property");
    } else if (key_prop && k.partitioning != partition_strategy::property &&
               !k.partition_key_property.empty()) {
        ctx.warning(key_prop->where, key_prop->path,
                    "ignored: partitionStrategy is " + std::string(to_string(k.partitioning)));
    }
    // SPEC §2.1, Event Hubs: only None and Gzip are accepted at produce time.
    if (ep.is_event_hubs() && comp) {
        if (k.codec == compression::gzip) {
            ctx.warning(comp->where, comp->path,
                        "Event Hubs accepts Gzip only on the Premium and Dedicated tiers");
        } else if (k.codec != compression::none) {
            ctx.error(comp->where, comp->path,
                      "Event Hubs supports only None or Gzip compression, got " +
                          std::string(to_string(k.codec)));
        }
    }
}

void decode_mqtt_settings(doc_ctx& ctx, const field& f, mqtt_settings& m) {
    map_reader r(ctx, f);
    if (!r.valid()) return;
    if (auto h = r.required("host")) {
        if (read_string(ctx, *h, m.host)) {
            std::string err;
            if (m.host.find(',') != std::string::npos) {
                ctx.error(h->where, h->path, "an MQTT endpoint has a single host:port");
            } else if (auto hp = parse_host_port(m.host, err)) {
                m.address = *hp;
            } else {
                ctx.error(h->where, h->path, err);
            }
        }
    }
    if (auto a = r.required("authentication"))
        decode_authentication(ctx, *a, endpoint_type::mqtt, m.auth);
    if (auto t = r.take("tls")) decode_tls(ctx, *t, m.tls);
    if (auto c = r.take("clientIdPrefix")) {
        if (read_string(ctx, *c, m.client_id_prefix)) {
            // MQTT v5 §3.1.3.1: servers must accept [0-9a-zA-Z]; we also allow '-' and '_'.
            for (char ch : m.client_id_prefix) {
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
                if (!ok) {
                    ctx.error(c->where, c->path,
                              "may contain only letters, digits, '-' and '_', got " +
                                  quoted(m.client_id_prefix));
                    break;
                }
            }
            if (m.client_id_prefix.size() > 64)
                ctx.error(c->where, c->path, "must be at most 64 characters");
        }
    }
    read_uint_field(ctx, r, "qos", 0, 1, m.qos);
    read_enum_field(ctx, r, "retain", retain_mode_names, m.retain);
    read_uint_field(ctx, r, "sessionExpirySeconds", 0, 4294967295ULL, m.session_expiry_seconds);
    read_uint_field(ctx, r, "keepAliveSeconds", 0, 65535, m.keep_alive_seconds);
    read_uint_field(ctx, r, "maxInflightMessages", 1, 65535, m.max_inflight_messages);
    if (auto p = read_enum_field(ctx, r, "protocol", mqtt_protocol_names, m.protocol);
        p && m.protocol == mqtt_protocol::websockets) {
        ctx.error(p->where, p->path, "WebSockets is not supported yet; use Mqtt");
    }
    if (auto ce = read_enum_field(ctx, r, "cloudEventAttributes", cloud_event_attributes_names,
                                  m.cloud_events);
        ce && m.cloud_events == cloud_event_attributes::create_or_remap) {
        ctx.error(ce->where, ce->path,
                  "CreateOrRemap is not supported yet; use Propagate (SPEC §3.2a)");
    }
    r.finish();
}

constexpr std::array other_endpoint_types{"DataExplorer", "DataLakeStorage", "FabricOneLake",
                                          "LocalStorage"};
constexpr std::array other_endpoint_settings{"dataExplorerSettings", "dataLakeStorageSettings",
                                             "fabricOneLakeSettings", "localStorageSettings"};

void decode_endpoint(doc_ctx& ctx, map_reader& root, configuration& cfg, object_meta meta) {
    dataflow_endpoint ep;
    ep.meta = std::move(meta);
    ctx.meta = &ep.meta;
    auto spec = root.required("spec");
    if (spec) {
        map_reader r(ctx, *spec);
        if (r.valid()) {
            bool type_ok = false;
            if (auto t = r.required("endpointType")) {
                bool other = false;
                if (t->node.IsScalar())
                    for (auto o : other_endpoint_types)
                        if (equals_ignore_case(o, t->node.Scalar())) other = true;
                if (other) {
                    ctx.error(t->where, t->path,
                              "endpointType " + quoted(t->node.Scalar()) +
                                  " is not supported by flowbridge; use Kafka or Mqtt");
                } else {
                    type_ok = read_enum(ctx, *t, endpoint_type_names, ep.type);
                }
            }
            if (type_ok && ep.type == endpoint_type::kafka) {
                if (auto k = r.required("kafkaSettings")) decode_kafka_settings(ctx, *k, ep);
                r.ignore_with_warning("mqttSettings", "endpointType is Kafka");
            } else if (type_ok) {
                if (auto m = r.required("mqttSettings")) decode_mqtt_settings(ctx, *m, ep.mqtt);
                r.ignore_with_warning("kafkaSettings", "endpointType is Mqtt");
            } else {
                r.ignore("kafkaSettings");
                r.ignore("mqttSettings");
            }
            for (auto s : other_endpoint_settings)
                r.ignore_with_warning(s, "flowbridge supports Kafka and Mqtt endpoints only");
            r.finish();
        }
    }

    annotation_reader ann(ctx, ep.meta);
    if (auto v = ann.take(ann_username_password)) {
        if (ep.type != endpoint_type::mqtt) {
            ctx.warning(ann.where(ann_username_password), annotation_path(ann_username_password),
                        "ignored: applies to Mqtt endpoints only");
        } else if (v->empty() || !is_dns_subdomain(*v)) {
            ann.error(ann_username_password, "must be the name of a Secret, got " + quoted(*v));
        } else if (ep.mqtt.auth.method != auth_method::anonymous) {
            ann.error(ann_username_password,
                      "requires spec.mqttSettings.authentication.method Anonymous (it replaces "
                      "it), got " +
                          std::string(to_string(ep.mqtt.auth.method)));
        } else {
            ep.extensions.username_password_secret = *v;
            ep.mqtt.auth.method = auth_method::username_password;
            ep.mqtt.auth.secret_ref = *v;
        }
    }
    ep.extensions.restore_mqtt_properties = ann.take_bool(ann_restore);
    ep.extensions.decode_amqp_headers = ann.take_bool(ann_decode_amqp);
    if (auto v = ann.take(ann_offset_reset)) {
        if (equals_ignore_case(*v, "earliest")) {
            ep.extensions.auto_offset_reset = offset_reset::earliest;
        } else if (equals_ignore_case(*v, "latest")) {
            ep.extensions.auto_offset_reset = offset_reset::latest;
        } else {
            ann.error(ann_offset_reset, "must be earliest or latest, got " + quoted(*v));
        }
    }
    if (auto v = ann.take(ann_identity_endpoint)) {
        if (!v->starts_with("http://") && !v->starts_with("https://")) {
            ann.error(ann_identity_endpoint,
                      "must be an http:// or https:// URL, got " + quoted(*v));
        } else {
            ep.extensions.identity_endpoint = *v;
        }
    }
    ann.finish();
    ctx.meta = nullptr;
    cfg.endpoints.push_back(std::move(ep));
}

// --- Dataflow ------------------------------------------------------------------------------

void decode_source_settings(doc_ctx& ctx, const field& f, dataflow_source& src) {
    src.path = f.path;
    map_reader r(ctx, f);
    if (!r.valid()) return;
    if (auto e = r.required("endpointRef"); e && read_string(ctx, *e, src.endpoint_ref)) {
        if (src.endpoint_ref.empty()) ctx.error(e->where, e->path, "must not be empty");
        check_reference_name(ctx, *e, src.endpoint_ref);
    }
    if (auto d = r.required("dataSources")) {
        if (!d->node.IsSequence()) {
            ctx.error(d->where, d->path, "must be a list of topics, got " + kind_of(d->node));
        } else if (d->node.size() == 0) {
            ctx.error(d->where, d->path, "must list at least one topic");
        } else {
            for (std::size_t i = 0; i < d->node.size(); ++i) {
                field item{d->node[i], item_path(d->path, i), ctx.loc(d->node[i])};
                ctx.record(item.path, item.where);
                std::string topic;
                if (item.node.IsNull() || !read_string(ctx, item, topic)) {
                    if (item.node.IsNull()) ctx.error(item.where, item.path, "must not be empty");
                    continue;
                }
                src.data_sources.push_back(topic);
            }
        }
    }
    for (auto k : {"assetRef", "serializationFormat", "schemaRef"})
        r.ignore_with_warning(k, "flowbridge forwards payloads unchanged and does not use it");
    r.finish();
}

void decode_destination_settings(doc_ctx& ctx, const field& f, dataflow_destination& dst) {
    dst.path = f.path;
    map_reader r(ctx, f);
    if (!r.valid()) return;
    if (auto e = r.required("endpointRef"); e && read_string(ctx, *e, dst.endpoint_ref)) {
        if (dst.endpoint_ref.empty()) ctx.error(e->where, e->path, "must not be empty");
        check_reference_name(ctx, *e, dst.endpoint_ref);
    }
    read_required_string(ctx, r, "dataDestination", dst.data_destination);
    r.finish();
}

void decode_dataflow(doc_ctx& ctx, map_reader& root, configuration& cfg, object_meta meta) {
    dataflow df;
    df.meta = std::move(meta);
    ctx.meta = &df.meta;
    if (auto spec = root.required("spec")) {
        map_reader r(ctx, *spec);
        if (r.valid()) {
            if (auto p = r.take("profileRef"); p && read_string(ctx, *p, df.profile_ref)) {
                if (df.profile_ref.empty()) df.profile_ref = std::string(default_profile_name);
                check_reference_name(ctx, *p, df.profile_ref);
            }
            read_enum_field(ctx, r, "mode", dataflow_mode_names, df.mode);
            r.ignore_with_warning("requestDiskPersistence",
                                  "flowbridge relies on the MQTT session and Kafka for durability");
            if (auto ops = r.required("operations")) {
                if (!ops->node.IsSequence()) {
                    ctx.error(ops->where, ops->path, "must be a list, got " + kind_of(ops->node));
                } else {
                    std::size_t transformations = 0;
                    for (std::size_t i = 0; i < ops->node.size(); ++i) {
                        const YAML::Node& n = ops->node[i];
                        std::string path = item_path(ops->path, i);
                        location where = ctx.loc(n);
                        ctx.record(path, where);
                        map_reader op(ctx, n, path, where);
                        if (!op.valid()) continue;
                        auto tf = op.required("operationType");
                        operation_type type{};
                        bool type_ok = tf && read_enum(ctx, *tf, operation_type_names, type);
                        std::string op_name;
                        read_optional_string(ctx, op, "name", op_name);
                        if (type_ok && type == operation_type::source) {
                            if (df.has_source) {
                                ctx.error(tf->where, tf->path,
                                          "a Dataflow has exactly one Source operation; this is "
                                          "another one");
                                op.ignore("sourceSettings");
                            } else if (auto s = op.required("sourceSettings")) {
                                df.has_source = true;
                                decode_source_settings(ctx, *s, df.source);
                            } else {
                                df.has_source = true;
                            }
                        } else if (type_ok && type == operation_type::destination) {
                            if (df.has_destination) {
                                ctx.error(tf->where, tf->path,
                                          "a Dataflow has exactly one Destination operation; "
                                          "this is another one");
                                op.ignore("destinationSettings");
                            } else if (auto d = op.required("destinationSettings")) {
                                df.has_destination = true;
                                decode_destination_settings(ctx, *d, df.destination);
                            } else {
                                df.has_destination = true;
                            }
                        } else if (type_ok) {
                            // SPEC §2.3 Decision: rejected until implemented, never ignored.
                            ++transformations;
                            ctx.error(tf->where, tf->path,
                                      transformations > 1
                                          ? "at most one BuiltInTransformation is allowed, and "
                                            "transformations are not supported yet"
                                          : "BuiltInTransformation is not supported yet; remove "
                                            "this operation to forward messages unchanged");
                            op.ignore("builtInTransformationSettings");
                        }
                        if (type_ok) {
                            for (auto k : {"sourceSettings", "destinationSettings",
                                           "builtInTransformationSettings"})
                                if (op.has(k))
                                    op.ignore_with_warning(
                                        k, "operationType is " + std::string(to_string(type)));
                        } else {
                            for (auto k : {"sourceSettings", "destinationSettings",
                                           "builtInTransformationSettings"})
                                op.ignore(k);
                        }
                        op.finish();
                    }
                    if (!df.has_source)
                        ctx.error(ops->where, ops->path,
                                  "a Dataflow needs exactly one operation with operationType "
                                  "Source");
                    if (!df.has_destination)
                        ctx.error(ops->where, ops->path,
                                  "a Dataflow needs exactly one operation with operationType "
                                  "Destination");
                }
            }
            r.finish();
        }
    }
    annotation_reader ann(ctx, df.meta);
    df.shards = ann.take_shards();
    df.restore_mqtt_properties = ann.take_bool(ann_restore);
    df.decode_amqp_headers = ann.take_bool(ann_decode_amqp);
    ann.finish();
    ctx.meta = nullptr;
    cfg.dataflows.push_back(std::move(df));
}

// --- DataflowProfile -----------------------------------------------------------------------

void decode_profile(doc_ctx& ctx, map_reader& root, configuration& cfg, object_meta meta) {
    dataflow_profile p;
    p.meta = std::move(meta);
    ctx.meta = &p.meta;
    if (auto spec = root.take("spec")) {  // every field has a default
        map_reader r(ctx, *spec);
        if (r.valid()) {
            read_uint_field(ctx, r, "instanceCount", 1, 20, p.instance_count);
            if (auto d = r.take("diagnostics")) {
                map_reader dr(ctx, *d);
                if (dr.valid()) {
                    if (auto l = dr.take("logs")) {
                        map_reader lr(ctx, *l);
                        read_enum_field(ctx, lr, "level", log_level_names, p.logs);
                        lr.finish();
                    }
                    if (auto m = dr.take("metrics")) {
                        map_reader mr(ctx, *m);
                        read_uint_field(ctx, mr, "prometheusPort", 0, 65535, p.prometheus_port);
                        mr.finish();
                    }
                    dr.finish();
                }
            }
            r.finish();
        }
    }
    annotation_reader ann(ctx, p.meta);
    p.shards = ann.take_shards();
    ann.finish();
    ctx.meta = nullptr;
    cfg.profiles.push_back(std::move(p));
}

// --- Secret / ConfigMap --------------------------------------------------------------------

/// Reads a `data`-like map of key → string. Values of a Secret are never quoted in messages.
void decode_key_values(doc_ctx& ctx, const field& f, bool base64,
                       std::map<std::string, std::string>& out, std::string_view what) {
    if (f.node.IsNull()) return;
    if (!f.node.IsMap()) {
        ctx.error(f.where, f.path, "must be a mapping of key to value, got " + kind_of(f.node));
        return;
    }
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
        if (!it->first.IsScalar()) {
            ctx.error(ctx.loc(it->first), f.path, "keys must be strings");
            continue;
        }
        const std::string key = it->first.Scalar();
        std::string path = child_path(f.path, key);
        location where = ctx.loc(it->first);
        ctx.record(path, where);
        if (!is_config_key(key)) {
            ctx.error(where, path, "a key may contain only letters, digits, '-', '_' and '.'");
            continue;
        }
        const YAML::Node v = it->second;
        if (!v.IsNull() && !v.IsScalar()) {
            ctx.error(where, path, "must be a string, got " + kind_of(v));
            continue;
        }
        std::string value = v.IsNull() ? std::string() : v.Scalar();
        if (base64) {
            auto decoded = base64_decode(value);
            if (!decoded) {
                ctx.error(where, path,
                          std::string("is not valid base64 (") + std::string(what) +
                              " values are base64-encoded; use stringData for plain text)");
                continue;
            }
            value = std::move(*decoded);
        }
        out[key] = std::move(value);
    }
}

void decode_secret(doc_ctx& ctx, map_reader& root, configuration& cfg, object_meta meta) {
    secret s;
    s.meta = std::move(meta);
    ctx.meta = &s.meta;
    read_optional_string(ctx, root, "type", s.type);
    root.ignore("immutable");
    if (auto d = root.take("data")) decode_key_values(ctx, *d, true, s.data, "Secret data");
    // Kubernetes: stringData is merged over data, stringData wins.
    if (auto d = root.take("stringData")) decode_key_values(ctx, *d, false, s.data, "");
    ctx.meta = nullptr;
    cfg.secrets.push_back(std::move(s));
}

void decode_config_map(doc_ctx& ctx, map_reader& root, configuration& cfg, object_meta meta) {
    config_map c;
    c.meta = std::move(meta);
    ctx.meta = &c.meta;
    root.ignore("immutable");
    if (auto d = root.take("data")) decode_key_values(ctx, *d, false, c.data, "");
    if (auto d = root.take("binaryData"))
        decode_key_values(ctx, *d, true, c.data, "ConfigMap binaryData");
    ctx.meta = nullptr;
    cfg.config_maps.push_back(std::move(c));
}

// --- Documents -----------------------------------------------------------------------------

constexpr std::array flowbridge_kinds{"DataflowEndpoint", "Dataflow", "DataflowProfile"};

void decode_resource(doc_ctx& ctx, const YAML::Node& node, const location& where,
                     configuration& cfg, int list_depth) {
    if (!node.IsMap()) {
        ctx.error(where, "",
                  "a document must be a mapping (a Kubernetes resource), got " + kind_of(node));
        return;
    }
    map_reader root(ctx, node, "", where);
    std::string api_version, kind;
    auto af = root.required("apiVersion");
    if (af) read_string(ctx, *af, api_version);
    auto kf = root.required("kind");
    if (!kf || !read_string(ctx, *kf, kind)) return;

    if (kind == "List" && list_depth == 0) {
        if (auto items = root.take("items")) {
            if (!items->node.IsSequence()) {
                ctx.error(items->where, items->path, "must be a list, got " + kind_of(items->node));
            } else {
                auto saved = ctx.prefix;
                for (std::size_t i = 0; i < items->node.size(); ++i) {
                    ctx.prefix = saved + "items[" + std::to_string(i) + "].";
                    decode_resource(ctx, items->node[i], ctx.loc(items->node[i]), cfg,
                                    list_depth + 1);
                }
                ctx.prefix = saved;
            }
        }
        root.ignore("metadata");
        root.finish();
        return;
    }

    bool ours =
        std::find(flowbridge_kinds.begin(), flowbridge_kinds.end(), kind) != flowbridge_kinds.end();
    bool core = kind == "Secret" || kind == "ConfigMap";
    if (!ours && !core) {
        ctx.warning(kf->where, "kind",
                    "kind " + quoted(kind) +
                        " is not a flowbridge resource (DataflowEndpoint, Dataflow, "
                        "DataflowProfile, Secret, ConfigMap); document ignored");
        return;
    }
    if (af && !api_version.empty()) {
        if (ours && api_version != std::string(api_group) + "/v1beta1" &&
            api_version != std::string(api_group) + "/v1") {
            ctx.error(af->where, af->path,
                      "must be " + std::string(api_group) + "/v1 or /v1beta1 for " + kind +
                          ", got " + quoted(api_version));
        } else if (core && api_version != "v1") {
            ctx.error(af->where, af->path,
                      "must be v1 for " + kind + ", got " + quoted(api_version));
        }
    }

    object_meta meta;
    meta.api_version = api_version;
    meta.kind = kind;
    meta.where = where;
    meta.path_prefix = ctx.prefix;
    if (af) meta.fields.emplace("apiVersion", af->where);
    meta.fields.emplace("kind", kf->where);
    ctx.meta = &meta;
    decode_metadata(ctx, root, meta);
    ctx.meta = nullptr;
    root.ignore("status");

    if (kind == "DataflowEndpoint") {
        decode_endpoint(ctx, root, cfg, std::move(meta));
    } else if (kind == "Dataflow") {
        decode_dataflow(ctx, root, cfg, std::move(meta));
    } else if (kind == "DataflowProfile") {
        decode_profile(ctx, root, cfg, std::move(meta));
    } else if (kind == "Secret") {
        decode_secret(ctx, root, cfg, std::move(meta));
    } else {
        decode_config_map(ctx, root, cfg, std::move(meta));
    }
    root.finish();
}

bool blank_document(std::string_view text) {
    for (auto line : split(text, '\n')) {
        auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) continue;
        if (line[first] == '#') continue;
        if (line.starts_with("---") || line.starts_with("...")) {
            auto rest = line.substr(3);
            auto r = rest.find_first_not_of(" \t\r");
            if (r == std::string_view::npos || rest[r] == '#') continue;
        }
        return false;
    }
    return true;
}

}  // namespace

std::vector<document_text> split_documents(std::string_view text) {
    std::vector<document_text> docs;
    std::size_t doc_start = 0;
    int doc_line = 0;
    int line = 0;
    std::size_t pos = 0;
    auto is_marker = [](std::string_view l, std::string_view m) {
        if (!l.starts_with(m)) return false;
        return l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r';
    };
    while (pos <= text.size()) {
        auto end = text.find('\n', pos);
        auto l = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
        if (is_marker(l, "---")) {
            if (pos > doc_start)
                docs.push_back({text.substr(doc_start, pos - doc_start), doc_line});
            doc_start = pos;
            doc_line = line;
        } else if (is_marker(l, "...")) {
            if (pos > doc_start)
                docs.push_back({text.substr(doc_start, pos - doc_start), doc_line});
            doc_start = end == std::string_view::npos ? text.size() : end + 1;
            doc_line = line + 1;
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
        ++line;
    }
    if (doc_start < text.size()) docs.push_back({text.substr(doc_start), doc_line});
    return docs;
}

void decode_source(const std::string& name, std::string_view text, configuration& cfg,
                   diagnostics& diags) {
    for (const auto& doc : split_documents(text)) {
        if (blank_document(doc.text)) continue;
        doc_ctx ctx{name, doc.first_line, diags, {}, nullptr};
        YAML::Node root;
        try {
            root = YAML::Load(std::string(doc.text));
        } catch (const YAML::Exception& e) {
            location where{name, doc.first_line + 1, 1};
            if (e.mark.line >= 0)
                where = {name, e.mark.line + 1 + doc.first_line, e.mark.column + 1};
            diags.error(where, "", "YAML syntax error: " + e.msg);
            continue;
        } catch (const std::exception& e) {
            diags.error({name, doc.first_line + 1, 1}, "",
                        std::string("cannot parse: ") + e.what());
            continue;
        }
        if (root.IsNull()) continue;
        try {
            location where = ctx.loc(root);
            decode_resource(ctx, root, where, cfg, 0);
        } catch (const std::exception& e) {
            // yaml-cpp may throw on pathological nodes; never let it escape (no exceptions out
            // of the library for user errors).
            diags.error({name, doc.first_line + 1, 1}, "",
                        std::string("cannot decode document: ") + e.what());
        }
    }
}

}  // namespace flowbridge::config::detail
