#include "tools/runtime/load.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "engine/config/object_store.h"
#include "engine/config/text.h"
#include "engine/config/validate.h"

namespace flowbridge::runtime {

namespace {

/// A mount directory that was given must exist: silently finding no Secret there would turn
/// into a confusing "not found" far from the cause.
void check_mounts(const mounts& dirs, config::diagnostics& findings) {
    for (const auto& [dir, what] : {std::pair{&dirs.secrets_dir, "secrets directory"},
                                    std::pair{&dirs.configmaps_dir, "configmaps directory"}}) {
        std::error_code ec;
        if (!dir->empty() && !std::filesystem::is_directory(*dir, ec)) {
            findings.error({*dir, 0, 0}, "", std::string(what) + ": not a directory");
        }
    }
}

config::load_result with_mount_findings(config::load_result result, const mounts& dirs) {
    config::diagnostics mount_findings;
    check_mounts(dirs, mount_findings);
    if (mount_findings.all().empty()) return result;
    // Mount problems first: they explain any "not found" that follows.
    config::diagnostics all = std::move(mount_findings);
    for (const auto& d : result.findings.all()) all.add(d);
    result.findings = std::move(all);
    return result;
}

void name_resource(config::object_meta& meta, std::string_view kind) {
    if (meta.kind.empty()) meta.kind = std::string(kind);
    if (meta.api_version.empty()) {
        meta.api_version = kind == "Secret" || kind == "ConfigMap"
                               ? std::string("v1")
                               : std::string(config::api_group) + "/v1";
    }
    // Built in code, a resource has no file: its findings name the resource itself.
    if (meta.where.file.empty()) meta.where.file = meta.display_name();
}

std::string host_port_text(const config::host_port& hp) {
    const bool v6 = hp.host.find(':') != std::string::npos;
    return (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

/// What decode.cc derives from `kafkaSettings.host` / `mqttSettings.host` (SPEC §2.1, §2.2, §7).
void complete_endpoint(config::dataflow_endpoint& ep, config::diagnostics& findings) {
    name_resource(ep.meta, "DataflowEndpoint");
    if (ep.type == config::endpoint_type::kafka) {
        auto& k = ep.kafka;
        const std::string path = "spec.kafkaSettings.host";
        if (k.embedded || k.host == "embedded") {
            k.embedded = true;
            k.host = "embedded";
        } else if (!k.bootstrap_servers.empty()) {
            if (k.host.empty()) {
                for (const auto& hp : k.bootstrap_servers) {
                    if (!k.host.empty()) k.host += ",";
                    k.host += host_port_text(hp);
                }
            }
        } else if (k.host.empty()) {
            findings.error(ep.meta.at(path), ep.meta.field(path),
                           "required: set host (\"a:9092,b:9092\" or \"embedded\") or "
                           "bootstrap_servers");
        } else {
            for (auto part : config::split(k.host, ',')) {
                while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
                while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
                std::string err;
                if (auto hp = config::parse_host_port(part, err)) {
                    k.bootstrap_servers.push_back(*hp);
                } else {
                    findings.error(ep.meta.at(path), ep.meta.field(path), err);
                }
            }
        }
        return;
    }
    auto& m = ep.mqtt;
    const std::string path = "spec.mqttSettings.host";
    if (!m.address.host.empty()) {
        if (m.host.empty()) m.host = host_port_text(m.address);
    } else if (m.host.empty()) {
        findings.error(ep.meta.at(path), ep.meta.field(path),
                       "required: set host (\"broker:1883\") or address");
    } else {
        std::string err;
        if (m.host.find(',') != std::string::npos) {
            findings.error(ep.meta.at(path), ep.meta.field(path),
                           "an MQTT endpoint has a single host:port");
        } else if (auto hp = config::parse_host_port(m.host, err)) {
            m.address = *hp;
        } else {
            findings.error(ep.meta.at(path), ep.meta.field(path), err);
        }
    }
}

void complete_dataflow(config::dataflow& df) {
    name_resource(df.meta, "Dataflow");
    if (!df.source.endpoint_ref.empty()) df.has_source = true;
    if (!df.destination.endpoint_ref.empty()) df.has_destination = true;
    if (df.source.path.empty()) df.source.path = "spec.operations[0].sourceSettings";
    if (df.destination.path.empty()) df.destination.path = "spec.operations[1].destinationSettings";
}

}  // namespace

config::load_result load_files(const std::vector<std::string>& paths, const mounts& dirs) {
    return with_mount_findings(
        config::load_configuration(config::load_options{.paths = paths,
                                                        .secrets_dir = dirs.secrets_dir,
                                                        .configmaps_dir = dirs.configmaps_dir}),
        dirs);
}

config::load_result load_yaml(std::string_view text, std::string_view name, const mounts& dirs) {
    return load_yaml(std::vector<config::source_text>{{std::string(name), std::string(text)}},
                     dirs);
}

config::load_result load_yaml(const std::vector<config::source_text>& texts, const mounts& dirs) {
    return with_mount_findings(
        config::load_configuration(texts, dirs.secrets_dir, dirs.configmaps_dir), dirs);
}

config::load_result check_configuration(config::configuration config, const mounts& dirs) {
    config::load_result result;
    result.config = std::move(config);
    auto& cfg = result.config;
    for (auto& ep : cfg.endpoints) complete_endpoint(ep, result.findings);
    for (auto& df : cfg.dataflows) complete_dataflow(df);
    for (auto& p : cfg.profiles) name_resource(p.meta, "DataflowProfile");
    for (auto& s : cfg.secrets) name_resource(s.meta, "Secret");
    for (auto& c : cfg.config_maps) name_resource(c.meta, "ConfigMap");
    config::object_store store(cfg, dirs.secrets_dir, dirs.configmaps_dir, result.findings);
    config::validate_configuration(cfg, store, result.findings);
    result.findings.sort(cfg.files);
    return with_mount_findings(std::move(result), dirs);
}

std::string format_findings(const config::diagnostics& findings, config::severity at_least) {
    std::string out;
    for (const auto& d : findings.all()) {
        // severity is ordered error < warning < note.
        if (static_cast<int>(d.level) > static_cast<int>(at_least)) continue;
        out += config::format(d);
        out += '\n';
    }
    return out;
}

}  // namespace flowbridge::runtime
