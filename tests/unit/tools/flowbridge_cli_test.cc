// The real `flowbridge` binary (SPEC §7): exit codes 0/1/2, `--help` on every subcommand, every
// invalid manifest of tests/data/config/invalid/ reported as FILE:LINE:COL: PATH: message with
// exit 1, `render` for the acceptance cases (SASL/SCRAM + TLS + CA, Event Hubs connection
// string, X.509, managed identity, anonymous) never showing a secret, and the mounted
// --secrets-dir / --configmaps-dir layouts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string binary = FLOWBRIDGE_BIN;
const std::string data = std::string(FLOWBRIDGE_TEST_DATA_DIR) + "/config";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs the binary with `args`, capturing stdout and stderr; stdin from `input` when given.
run_result run(const std::vector<std::string>& args, const std::string& input = "") {
    char dir_template[] = "/tmp/flowbridge-cli-XXXXXX";
    std::string dir = mkdtemp(dir_template);
    std::string out_path = dir + "/out", err_path = dir + "/err", in_path = dir + "/in";
    std::ofstream(in_path) << input;
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(in_path.c_str(), O_RDONLY);
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(binary.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    run_result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    fs::remove_all(dir);
    return r;
}

class scratch_dir {
  public:
    scratch_dir() {
        char t[] = "/tmp/flowbridge-cli-data-XXXXXX";
        path_ = mkdtemp(t);
    }
    ~scratch_dir() { fs::remove_all(path_); }
    std::string write(const std::string& rel, const std::string& text) const {
        fs::path p = fs::path(path_) / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

TEST(flowbridge_cli, valid_manifests_exit_0) {
    auto r =
        run({"validate", "-f", data + "/valid/seed-01-event-hubs-system-assigned-identity.yaml",
             data + "/valid/mqtt-to-mqtt-templates.yml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("valid: 2 file(s)"), std::string::npos) << r.out;
}

TEST(flowbridge_cli, warnings_alone_do_not_fail_validation) {
    auto r = run({"validate", "-f", data + "/valid/seed-15-batching-enabled-alias.yaml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(": warning: spec.kafkaSettings.batching.enabled: "), std::string::npos)
        << r.err;
}

TEST(flowbridge_cli, validate_without_files_is_a_usage_error) {
    auto r = run({"validate"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("usage: flowbridge validate"), std::string::npos) << r.err;
}

TEST(flowbridge_cli, unknown_option_is_a_usage_error) {
    EXPECT_EQ(run({"validate", "-f", data + "/valid", "--frobnicate"}).exit_code, 2);
    EXPECT_EQ(run({"render", "-f", data + "/valid", "--endpoint"}).exit_code, 2);
}

TEST(flowbridge_cli, unknown_subcommand_is_a_usage_error) {
    auto r = run({"frobnicate"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
    EXPECT_EQ(run({}).exit_code, 2);
}

TEST(flowbridge_cli, every_subcommand_has_help) {
    auto top = run({"--help"});
    EXPECT_EQ(top.exit_code, 0);
    for (const char* cmd : {"validate", "render", "run"}) {
        EXPECT_NE(top.out.find(std::string("  ") + cmd), std::string::npos) << top.out;
        auto r = run({cmd, "--help"});
        EXPECT_EQ(r.exit_code, 0) << cmd;
        EXPECT_NE(r.out.find(std::string("usage: flowbridge ") + cmd), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("--secrets-dir"), std::string::npos) << r.out;
    }
}

TEST(flowbridge_cli, missing_secrets_dir_is_a_usage_error) {
    auto r = run({"validate", "-f", data + "/valid", "--secrets-dir", "/nonexistent/secrets"});
    EXPECT_EQ(r.exit_code, 2);
}

TEST(flowbridge_cli, missing_file_exits_1_naming_it) {
    auto r = run({"validate", "-f", "/nonexistent/a.yaml"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("/nonexistent/a.yaml: no such file or directory"), std::string::npos);
}

TEST(flowbridge_cli, standard_input_is_read_with_dash) {
    auto r = run({"validate", "-f", "-"},
                 "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
                 "metadata: {name: p}\nspec: {instanceCount: 30}\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("<stdin>:4:8: spec.instanceCount: must be 1..20, got 30"),
              std::string::npos)
        << r.err;
}

TEST(flowbridge_cli, all_errors_of_all_files_are_printed_in_one_run) {
    std::vector<std::string> args = {"validate", "-f"};
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(data + "/invalid"))
        files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    args.insert(args.end(), files.begin(), files.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 1);
    for (const auto& f : files) EXPECT_NE(r.err.find(f + ":"), std::string::npos) << f;
}

// --- the invalid corpus, each through the real binary --------------------------------------

std::vector<std::string> invalid_files() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(data + "/invalid"))
        if (e.path().extension() == ".yaml") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

class invalid_manifest_cli : public ::testing::TestWithParam<std::string> {};

TEST_P(invalid_manifest_cli, exits_1_with_file_line_and_field_path) {
    const auto& file = GetParam();
    auto text = slurp(file);
    std::string path;
    int line = 0, n = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        auto l = text.substr(pos, end - pos);
        ++n;
        if (l.starts_with("# expect-error:")) {
            path = l.substr(15);
            path.erase(0, path.find_first_not_of(' '));
        }
        if (line == 0 && l.find("# <-- error") != std::string::npos) line = n;
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    auto r = run({"validate", "-f", file});
    EXPECT_EQ(r.exit_code, 1);
    std::string prefix = file + ":" + std::to_string(line) + ":";
    bool found = false;
    std::size_t p = 0;
    while ((p = r.err.find(prefix, p)) != std::string::npos) {
        auto eol = r.err.find('\n', p);
        auto l = r.err.substr(p, eol - p);
        auto after_col = l.find(": ", prefix.size());
        auto rest = l.substr(after_col + 2);
        if (!rest.starts_with("warning:") && (path.empty() || rest.starts_with(path + ": ")))
            found = true;
        p = eol;
    }
    EXPECT_TRUE(found) << "want " << prefix << "COL: " << path << ": ...\ngot:\n" << r.err;
}

std::string stem(const ::testing::TestParamInfo<std::string>& info) {
    return fs::path(info.param).stem().string();
}

INSTANTIATE_TEST_SUITE_P(config, invalid_manifest_cli, ::testing::ValuesIn(invalid_files()), stem);

// --- render --------------------------------------------------------------------------------

/// Every value that came from a Secret in the acceptance manifests.
const std::vector<std::string> acceptance_secrets = {
    "scram-user-s3cr3t",
    "scram-pass-s3cr3t",
    "SharedAccessKey=acceptance-key-9f8e",
    "MIGHAgEAMBMGByqGSM49",
};

std::string acceptance_manifests(const std::string& ca_pem) {
    std::string ca;
    std::size_t pos = 0;
    while (pos < ca_pem.size()) {
        auto end = ca_pem.find('\n', pos);
        ca += "    " + ca_pem.substr(pos, end - pos) + "\n";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    const std::string h =
        "apiVersion: connectivity.iotoperations.azure.com/v1beta1\n"
        "kind: DataflowEndpoint\n";
    return h +
           "metadata: {name: scram}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: kafka.example:9093\n    authentication:\n      method: Sasl\n"
           "      saslSettings: {saslType: ScramSha512, secretRef: scram}\n"
           "    tls: {mode: Enabled, trustedCaCertificateConfigMapRef: ca}\n"
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: scram}\nstringData:\n"
           "  username: scram-user-s3cr3t\n  password: scram-pass-s3cr3t\n"
           "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca}\ndata:\n  ca.crt: |\n" +
           ca + "---\n" + h +
           "metadata: {name: hubs}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: contoso.servicebus.windows.net:9093\n    authentication:\n"
           "      method: Sasl\n      saslSettings: {saslType: Plain, secretRef: cs}\n"
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: cs}\nstringData:\n"
           "  username: $ConnectionString\n"
           "  password: \"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;"
           "SharedAccessKey=acceptance-key-9f8e\"\n"
           "---\n" +
           h +
           "metadata: {name: mtls}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: kafka.example:9093\n    authentication:\n      method: X509Certificate\n"
           "      x509CertificateSettings: {secretRef: client}\n"
           "---\n" +
           h +
           "metadata: {name: identity}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: contoso.servicebus.windows.net:9093\n    authentication:\n"
           "      method: SystemAssignedManagedIdentity\n"
           "      systemAssignedManagedIdentitySettings: {}\n    compression: Gzip\n"
           "---\n" +
           h +
           "metadata: {name: anonymous}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: localhost:9092\n    authentication: {method: Anonymous}\n"
           "    tls: {mode: Disabled}\n";
}

struct render_fixture : ::testing::Test {
    scratch_dir dir;
    std::string manifest;
    void SetUp() override {
        manifest = dir.write("endpoints.yaml", acceptance_manifests(slurp(data + "/certs/ca.crt")));
        // The X.509 secret comes from a mounted directory (kubernetes.io/tls layout).
        dir.write("secrets/client/tls.crt", slurp(data + "/certs/client.crt"));
        dir.write("secrets/client/tls.key", slurp(data + "/certs/client.key"));
    }
    run_result render(const std::string& endpoint) {
        return run({"render", "-f", manifest, "--secrets-dir", dir.path() + "/secrets",
                    "--endpoint", endpoint});
    }
    static std::string section(const run_result& r) { return r.out; }
};

void expect_no_secret(const run_result& r) {
    for (const auto& s : acceptance_secrets) {
        EXPECT_EQ(r.out.find(s), std::string::npos) << "stdout leaks " << s << "\n" << r.out;
        EXPECT_EQ(r.err.find(s), std::string::npos) << "stderr leaks " << s << "\n" << r.err;
    }
}

TEST_F(render_fixture, sasl_scram_with_tls_and_ca) {
    auto r = render("scram");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* line :
         {"bootstrap.servers = kafka.example:9093\n", "security.protocol = SASL_SSL\n",
          "sasl.mechanisms = SCRAM-SHA-512\n", "sasl.username = ***\n", "sasl.password = ***\n",
          "ssl.ca.pem = <PEM, 1 certificate(s)", "acks = all\n", "enable.idempotence = true\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    expect_no_secret(r);
}

TEST_F(render_fixture, event_hubs_connection_string) {
    auto r = render("hubs");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* line :
         {"security.protocol = SASL_SSL\n", "sasl.mechanisms = PLAIN\n", "sasl.username = ***\n",
          "sasl.password = ***\n", "enable.idempotence = false\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    expect_no_secret(r);
}

TEST_F(render_fixture, x509_from_a_mounted_kubernetes_tls_secret) {
    auto r = render("mtls");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* line :
         {"security.protocol = SSL\n", "ssl.certificate.pem = ***\n", "ssl.key.pem = ***\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    EXPECT_EQ(r.out.find("sasl."), std::string::npos) << r.out;
    expect_no_secret(r);
}

TEST_F(render_fixture, system_assigned_managed_identity) {
    auto r = render("identity");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* line : {"security.protocol = SASL_SSL\n", "sasl.mechanisms = OAUTHBEARER\n",
                             "resource = https://contoso.servicebus.windows.net\n",
                             "compression.codec = gzip\n", "enable.idempotence = false\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    // Event Hubs with Gzip warns (Premium/Dedicated tiers only) but renders.
    EXPECT_NE(r.err.find("warning: spec.kafkaSettings.compression"), std::string::npos) << r.err;
    expect_no_secret(r);
}

TEST_F(render_fixture, anonymous_plaintext) {
    auto r = render("anonymous");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("security.protocol = PLAINTEXT\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("sasl."), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("ssl."), std::string::npos) << r.out;
}

TEST_F(render_fixture, every_endpoint_is_rendered_without_endpoint_option) {
    auto r = run({"render", "-f", manifest, "--secrets-dir", dir.path() + "/secrets"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* name : {"/scram (Kafka)", "/hubs (Kafka)", "/mtls (Kafka)",
                             "/identity (Kafka)", "/anonymous (Kafka)"})
        EXPECT_NE(r.out.find(name), std::string::npos) << name;
    expect_no_secret(r);
}

TEST_F(render_fixture, unknown_endpoint_exits_1) { EXPECT_EQ(render("nope").exit_code, 1); }

TEST_F(render_fixture, invalid_manifests_are_not_rendered) {
    auto r = run({"render", "-f", manifest});  // the X.509 secret is missing without the dir
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("Secret 'client' not found"), std::string::npos) << r.err;
    expect_no_secret(r);
}

TEST(flowbridge_cli, configmaps_dir_supplies_the_trusted_ca) {
    scratch_dir dir;
    auto f =
        dir.write("e.yaml",
                  "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
                  "metadata: {name: e}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
                  "    host: k:9093\n    authentication: {method: Anonymous}\n"
                  "    tls: {trustedCaCertificateConfigMapRef: root-ca}\n");
    EXPECT_EQ(run({"validate", "-f", f}).exit_code, 1);
    dir.write("maps/root-ca/ca.crt", slurp(data + "/certs/ca.crt"));
    auto r = run({"render", "-f", f, "--configmaps-dir", dir.path() + "/maps"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("ssl.ca.pem = <PEM, 1 certificate(s)"), std::string::npos) << r.out;
}

}  // namespace
