// SPEC §8: a secret never appears in any message or rendered output. Distinctive values are
// planted in every place a secret can come from (Secret data and stringData, mounted
// directories, SASL passwords, tokens, connection strings, X.509 keys), then every finding of
// valid and broken configurations and every rendered endpoint is searched for them.
#include <gtest/gtest.h>

#include "engine/config/client_settings.h"
#include "engine/config/render.h"
#include "tests/unit/engine/config/config_test_support.h"

namespace flowbridge::config {
namespace {

using namespace testing;

const std::vector<std::string> planted = {
    "PLANTED-sasl-password-7f3a",
    "PLANTED-sasl-user-91c2",
    "PLANTED-token-55aa",
    "Endpoint=sb://planted.servicebus.windows.net/;SharedAccessKey=PLANTED-cs-0e1d",
    "PLANTED-mqtt-password-b7",
    "PLANTED-dir-password-c3",
    "PLANTED-bad-base64-*-d4",
};

std::string private_key_body() {
    // The base64 body of the test key: distinctive by construction.
    auto key = read_text(config_data("certs/client.key"));
    auto start = key.find('\n') + 1;
    return key.substr(start, 40);
}

std::string indent(const std::string& text, int n) {
    std::string out, pad(n, ' ');
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        out += pad + text.substr(pos, end - pos) + "\n";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

std::string manifests(bool broken) {
    std::string bad = broken ? "    kafkaAcks: Sometimes\n    unknownField: 1\n" : "";
    return "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata: {name: sasl}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: k:9093\n    authentication:\n      method: Sasl\n"
           "      saslSettings: {saslType: ScramSha512, secretRef: sasl}\n" +
           bad +
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: sasl}\nstringData:\n"
           "  username: " +
           planted[1] + "\n  password: " + planted[0] + "\n" +
           "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata: {name: hubs}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: planted.servicebus.windows.net:9093\n    authentication:\n      method: "
           "Sasl\n"
           "      saslSettings: {saslType: Plain, secretRef: cs}\n" +
           (broken ? "    compression: Snappy\n" : "") +
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: cs}\nstringData:\n"
           "  username: $ConnectionString\n  password: \"" +
           planted[3] + "\"\n" +
           "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata: {name: tok}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: k:9093\n    authentication:\n      method: Sasl\n"
           "      saslSettings: {saslType: Plain, secretRef: tok}\n" +
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: tok}\nstringData:\n"
           "  token: " +
           planted[2] + "\n" + (broken ? "  tls.key: " + planted[2] + "\n" : "") +
           "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata:\n  name: mq\n  annotations: {flowbridge.io/username-password-secret: mq}\n"
           "spec:\n  endpointType: Mqtt\n  mqttSettings:\n    host: b:8883\n"
           "    authentication: {method: Anonymous}\n" +
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: mq}\nstringData:\n"
           "  username: bob\n  password: " +
           planted[4] + "\n" +
           "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata: {name: x509}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: k:9093\n    authentication:\n      method: X509Certificate\n"
           "      x509CertificateSettings: {secretRef: client}\n" +
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: client}\nstringData:\n"
           "  tls.crt: |\n" +
           indent(read_text(config_data("certs/client.crt")), 4) + "  tls.key: |\n" +
           indent(read_text(config_data(broken ? "certs/other.key" : "certs/client.key")), 4) +
           "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata: {name: mounted}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: k:9093\n    authentication:\n      method: Sasl\n"
           "      saslSettings: {saslType: Plain, secretRef: mounted}\n" +
           (broken ? "---\napiVersion: v1\nkind: Secret\nmetadata: {name: b64}\ndata:\n  k: " +
                         planted[6] + "\n"
                   : "");
}

void expect_clean(const std::string& text, const std::string& what) {
    for (const auto& p : planted)
        EXPECT_EQ(text.find(p), std::string::npos) << what << " leaks " << p << ":\n" << text;
    auto key = private_key_body();
    EXPECT_EQ(text.find(key), std::string::npos) << what << " leaks the private key";
}

TEST(secret_redaction, no_finding_or_rendered_output_contains_a_secret) {
    for (bool broken : {false, true}) {
        SCOPED_TRACE(broken ? "broken configuration" : "valid configuration");
        temp_dir dir;
        dir.write("mounted/username", "u");
        dir.write("mounted/password", planted[5]);
        auto r = load_text(manifests(broken), dir.path());
        EXPECT_EQ(r.valid(), !broken) << all_findings(r);
        expect_clean(all_findings(r), "findings");
        for (const auto& ep : r.config.endpoints) {
            expect_clean(render_endpoint(ep), "render of " + ep.meta.name);
            if (ep.type == endpoint_type::kafka) {
                for (auto role : {kafka_role::source, kafka_role::destination}) {
                    auto settings = make_kafka_client_settings(ep, role);
                    for (const auto& p : settings.properties.all())
                        expect_clean(p.value.display(), p.name);
                }
            } else {
                auto props = make_mqtt_connection_options(ep).to_properties();
                for (const auto& p : props.all()) expect_clean(p.value.display(), p.name);
            }
        }
    }
}

TEST(secret_redaction, rendered_secrets_are_shown_as_stars) {
    temp_dir dir;
    dir.write("mounted/token", planted[5]);
    auto r = load_text(manifests(false), dir.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    auto text = render_endpoint(*r.config.find_endpoint("azure-iot-operations", "sasl"));
    EXPECT_NE(text.find("sasl.password = ***"), std::string::npos) << text;
    EXPECT_NE(text.find("sasl.username = ***"), std::string::npos) << text;
    auto hubs = render_endpoint(*r.config.find_endpoint("azure-iot-operations", "tok"));
    EXPECT_NE(hubs.find("sasl.username = $ConnectionString"), std::string::npos) << hubs;
}

}  // namespace
}  // namespace flowbridge::config
