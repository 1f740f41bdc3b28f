// Secrets and ConfigMaps (SPEC §2): manifests (`data` base64, `stringData` plain), mounted
// directories DIR/<name>/<key>, precedence, same-namespace lookup, the SASL key rules, both
// X.509 layouts and CA bundles.
#include <gtest/gtest.h>

#include "engine/config/text.h"
#include "tests/unit/engine/config/config_test_support.h"

namespace flowbridge::config {
namespace {

using namespace testing;

std::string sasl_endpoint(const std::string& ns = "azure-iot-operations") {
    return "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata:\n  name: kafka\n  namespace: " +
           ns +
           "\n"
           "spec:\n  endpointType: Kafka\n  kafkaSettings:\n    host: k:9093\n"
           "    authentication:\n      method: Sasl\n      saslSettings:\n"
           "        saslType: ScramSha512\n        secretRef: creds\n";
}

std::string secret(const std::string& body, const std::string& ns = "azure-iot-operations") {
    return "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: " + ns +
           "\n" + body;
}

const std::string sasl_path = "spec.kafkaSettings.authentication.saslSettings.secretRef";

TEST(config_secrets, username_and_password_keys_are_used) {
    auto r =
        load_text(sasl_endpoint() + secret("stringData: {username: u, password: p, token: t}\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& c = r.config.endpoints[0].credentials;
    EXPECT_EQ(c.username->reveal(), "u");
    EXPECT_EQ(c.password->reveal(), "p");
    EXPECT_TRUE(c.username->is_secret());
    EXPECT_TRUE(c.password->is_secret());
}

TEST(config_secrets, token_alone_uses_connection_string_username) {
    auto r = load_text(sasl_endpoint() + secret("stringData: {token: tok}\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& c = r.config.endpoints[0].credentials;
    EXPECT_EQ(c.username->reveal(), "$ConnectionString");
    EXPECT_FALSE(c.username->is_secret());
    EXPECT_EQ(c.password->reveal(), "tok");
}

TEST(config_secrets, token_with_username_uses_that_username) {
    auto r = load_text(sasl_endpoint() + secret("stringData: {token: tok, username: alice}\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].credentials.username->reveal(), "alice");
}

TEST(config_secrets, other_keys_are_an_error_naming_the_keys_found) {
    auto r = load_text(sasl_endpoint() + secret("stringData: {password: p, apikey: k}\n"));
    const auto* e = find_error(r, sasl_path, 14);
    ASSERT_NE(e, nullptr) << all_findings(r);
    EXPECT_NE(e->message.find("keys found: apikey, password"), std::string::npos) << e->message;
}

TEST(config_secrets, data_is_base64_decoded_and_string_data_wins) {
    // "dXNlcg==" = "user", "b2xk" = "old"
    auto r = load_text(sasl_endpoint() +
                       secret("data:\n  username: dXNlcg==\n  password: b2xk\nstringData:\n"
                              "  password: new\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].credentials.username->reveal(), "user");
    EXPECT_EQ(r.config.endpoints[0].credentials.password->reveal(), "new");
}

TEST(config_secrets, secret_in_another_namespace_is_not_found) {
    auto r = load_text(sasl_endpoint("team-a") + secret("stringData: {token: t}\n", "team-b"));
    const auto* e = find_error(r, sasl_path, 14);
    ASSERT_NE(e, nullptr) << all_findings(r);
    EXPECT_EQ(e->message, "Secret 'creds' not found in namespace 'team-a'");
}

TEST(config_secrets, secrets_dir_supplies_mounted_secrets) {
    temp_dir dir;
    dir.write("creds/username", "mounted-user");
    dir.write("creds/password", "mounted-pass");
    auto r = load_text(sasl_endpoint(), dir.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].credentials.username->reveal(), "mounted-user");
    EXPECT_EQ(r.config.endpoints[0].credentials.password->reveal(), "mounted-pass");
}

TEST(config_secrets, secrets_dir_skips_kubernetes_bookkeeping_entries) {
    temp_dir dir;
    dir.write("creds/..data/token", "x");
    dir.write("creds/token", "mounted-token");
    auto r = load_text(sasl_endpoint(), dir.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].credentials.password->reveal(), "mounted-token");
}

TEST(config_secrets, manifests_win_over_secrets_dir) {
    temp_dir dir;
    dir.write("creds/token", "from-dir");
    auto r =
        load_text(sasl_endpoint() + secret("stringData: {token: from-manifest}\n"), dir.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].credentials.password->reveal(), "from-manifest");
}

TEST(config_secrets, missing_secret_message_mentions_the_secrets_dir) {
    temp_dir dir;
    auto r = load_text(sasl_endpoint(), dir.path());
    const auto* e = find_error(r, sasl_path, 14);
    ASSERT_NE(e, nullptr) << all_findings(r);
    EXPECT_NE(e->message.find("nor in --secrets-dir"), std::string::npos) << e->message;
}

std::string x509_endpoint(const std::string& secret_name = "client", const std::string& ca = "") {
    return "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
           "metadata: {name: kafka}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
           "    host: k:9093\n    authentication:\n      method: X509Certificate\n"
           "      x509CertificateSettings: {secretRef: " +
           secret_name + "}\n" +
           (ca.empty() ? "" : "    tls: {trustedCaCertificateConfigMapRef: " + ca + "}\n");
}

std::string certs(const std::string& name) { return read_text(config_data("certs/" + name)); }

TEST(config_secrets, x509_kubernetes_tls_layout_from_secrets_dir) {
    temp_dir dir;
    dir.write("client/tls.crt", certs("client.crt"));
    dir.write("client/tls.key", certs("client.key"));
    auto r = load_text(x509_endpoint(), dir.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& c = r.config.endpoints[0].credentials;
    EXPECT_EQ(c.client_certificate_pem->reveal(), certs("client.crt"));
    EXPECT_EQ(c.client_key_pem->reveal(), certs("client.key"));
}

TEST(config_secrets, x509_client_pem_layout_appends_intermediates) {
    temp_dir dir;
    dir.write("client/client_cert.pem", certs("client.crt"));
    dir.write("client/client_key.pem", certs("client.key"));
    dir.write("client/client_intermediate_certs.pem", certs("intermediate.crt"));
    auto r = load_text(x509_endpoint(), dir.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].credentials.client_certificate_pem->reveal(),
              certs("client.crt") + certs("intermediate.crt"));
}

TEST(config_secrets, x509_key_that_does_not_match_is_rejected) {
    temp_dir dir;
    dir.write("client/tls.crt", certs("client.crt"));
    dir.write("client/tls.key", certs("other.key"));
    auto r = load_text(x509_endpoint(), dir.path());
    EXPECT_NE(
        find_error(r, "spec.kafkaSettings.authentication.x509CertificateSettings.secretRef", 10),
        nullptr)
        << all_findings(r);
}

TEST(config_secrets, configmaps_dir_supplies_a_ca_bundle_of_all_keys) {
    temp_dir secrets, maps;
    secrets.write("client/tls.crt", certs("client.crt"));
    secrets.write("client/tls.key", certs("client.key"));
    maps.write("ca/a-root.crt", certs("ca.crt"));
    maps.write("ca/b-intermediate.crt", certs("intermediate.crt"));
    auto r = load_text(x509_endpoint("client", "ca"), secrets.path(), maps.path());
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(*r.config.endpoints[0].credentials.trusted_ca_pem,
              certs("ca.crt") + certs("intermediate.crt"));
}

TEST(config_secrets, config_map_manifest_binary_data_is_base64) {
    auto ca = certs("ca.crt");
    std::string b64;
    {
        // Tiny encoder for the test input.
        static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::size_t i = 0;
        for (; i + 2 < ca.size(); i += 3) {
            unsigned v = (unsigned char)ca[i] << 16 | (unsigned char)ca[i + 1] << 8 |
                         (unsigned char)ca[i + 2];
            b64 += t[v >> 18 & 63];
            b64 += t[v >> 12 & 63];
            b64 += t[v >> 6 & 63];
            b64 += t[v & 63];
        }
        if (ca.size() - i == 1) {
            unsigned v = (unsigned char)ca[i] << 16;
            b64 += t[v >> 18 & 63];
            b64 += t[v >> 12 & 63];
            b64 += "==";
        } else if (ca.size() - i == 2) {
            unsigned v = (unsigned char)ca[i] << 16 | (unsigned char)ca[i + 1] << 8;
            b64 += t[v >> 18 & 63];
            b64 += t[v >> 12 & 63];
            b64 += t[v >> 6 & 63];
            b64 += '=';
        }
    }
    ASSERT_EQ(base64_decode(b64), ca);
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata: {name: kafka}\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
        "    host: k:9093\n    authentication: {method: Anonymous}\n"
        "    tls: {trustedCaCertificateConfigMapRef: ca}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca}\nbinaryData:\n  ca.crt: " +
        b64 + "\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(*r.config.endpoints[0].credentials.trusted_ca_pem, ca);
}

TEST(config_secrets, mqtt_username_password_annotation_resolves_its_secret) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata:\n  name: mq\n  annotations: {flowbridge.io/username-password-secret: login}\n"
        "spec:\n  endpointType: Mqtt\n  mqttSettings:\n    host: b:8883\n"
        "    authentication: {method: Anonymous}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: login}\n"
        "stringData: {username: bob, password: hunter2}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& ep = r.config.endpoints[0];
    EXPECT_EQ(ep.mqtt.auth.method, auth_method::username_password);
    EXPECT_EQ(ep.credentials.username->reveal(), "bob");
    EXPECT_EQ(ep.credentials.password->reveal(), "hunter2");
}

TEST(config_secrets, base64_decoder_follows_rfc_4648) {
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode("Zm9v"), "foo");
    EXPECT_EQ(base64_decode("Zm9vYg"), "foob");  // unpadded
    EXPECT_EQ(base64_decode("Zm9v\nYmFy"), "foobar");
    EXPECT_FALSE(base64_decode("Zm9v*"));
    EXPECT_FALSE(base64_decode("Z"));
    EXPECT_FALSE(base64_decode("Zg==Zg=="));
    EXPECT_FALSE(base64_decode("Zh=="));  // non-zero trailing bits
}

}  // namespace
}  // namespace flowbridge::config
