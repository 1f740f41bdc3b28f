#include "engine/config/pem.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

namespace flowbridge::config {

namespace {

struct bio_free {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

bio_ptr memory_bio(std::string_view data) {
    return bio_ptr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// Never prompt for a passphrase: an encrypted key is simply not accepted.
int no_passphrase(char*, int, int, void*) { return -1; }

std::size_t count_begin_lines(std::string_view pem, std::string_view label) {
    std::size_t n = 0;
    std::string marker = "-----BEGIN " + std::string(label) + "-----";
    for (auto pos = pem.find(marker); pos != std::string_view::npos;
         pos = pem.find(marker, pos + 1))
        ++n;
    return n;
}

}  // namespace

std::optional<std::string> check_certificates_pem(std::string_view pem, std::size_t* count) {
    if (count) *count = 0;
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return "too large";
    std::size_t expected = count_begin_lines(pem, "CERTIFICATE");
    if (expected == 0) return "contains no PEM certificate (-----BEGIN CERTIFICATE-----)";
    auto bio = memory_bio(pem);
    std::size_t found = 0;
    while (true) {
        x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
        if (!cert) break;
        ++found;
    }
    ERR_clear_error();
    if (count) *count = found;
    if (found != expected)
        return "certificate " + std::to_string(found + 1) + " of " + std::to_string(expected) +
               " is not a valid PEM certificate";
    return std::nullopt;
}

std::optional<std::string> check_private_key_pem(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return "too large";
    if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
        pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos)
        return "is an encrypted private key; flowbridge needs an unencrypted one";
    if (pem.find("PRIVATE KEY-----") == std::string_view::npos)
        return "contains no PEM private key (-----BEGIN PRIVATE KEY-----)";
    auto bio = memory_bio(pem);
    pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    ERR_clear_error();
    if (!key) return "is not a valid PEM private key";
    return std::nullopt;
}

std::optional<std::string> check_key_matches_certificate(std::string_view cert_pem,
                                                         std::string_view key_pem) {
    auto cbio = memory_bio(cert_pem);
    auto kbio = memory_bio(key_pem);
    x509_ptr cert(PEM_read_bio_X509(cbio.get(), nullptr, no_passphrase, nullptr));
    pkey_ptr key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, no_passphrase, nullptr));
    bool ok = cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
    ERR_clear_error();
    if (!ok) return "the private key does not belong to the client certificate";
    return std::nullopt;
}

}  // namespace flowbridge::config
