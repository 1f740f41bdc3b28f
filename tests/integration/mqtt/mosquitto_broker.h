#pragma once

// A real mosquitto broker for tests and benchmarks, started on a free loopback port with a
// generated configuration in a temporary directory and killed (by PID) when the object dies.
// Also: running the mosquitto command-line clients, generating test certificates with the
// openssl CLI, and waiting on conditions with deadlines. Header-only so the benchmark binary can
// use it without build changes. POSIX only; loopback only (SPEC §8).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace flowbridge::test {

using std::chrono::milliseconds;

/// Polls `condition` every millisecond until it holds or `deadline` passes.
inline bool wait_for(const std::function<bool()>& condition, milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) return condition();
        std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
}

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents at destruction.
class temp_dir {
public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/flowbridge-mqtt-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir() {
        const std::string cmd = "rm -rf '" + path_ + "'";
        [[maybe_unused]] int rc = std::system(cmd.c_str());
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A child process started with posix_spawn; stdout to a file (or /dev/null), stdin from
/// /dev/null, stderr to `stderr_path` (or /dev/null). Killed with SIGKILL if still running at
/// destruction.
class child_process {
public:
    child_process() = default;
    child_process(const std::vector<std::string>& argv, const std::string& stdout_path = "/dev/null",
                  const std::string& stderr_path = "/dev/null") {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&fa, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    }
    ~child_process() { kill_and_wait(); }
    child_process(child_process&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
    child_process& operator=(child_process&& o) noexcept {
        kill_and_wait();
        pid_ = o.pid_;
        status_ = o.status_;
        o.pid_ = -1;
        return *this;
    }

    pid_t pid() const { return pid_; }
    bool running() {
        if (pid_ <= 0) return false;
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = st;
            pid_ = -1;
            return false;
        }
        return true;
    }
    /// Waits up to `deadline` for exit; returns the exit code, or -1 (then kills it).
    int wait(milliseconds deadline) {
        if (!wait_for([this] { return !running(); }, deadline)) {
            kill_and_wait();
            return -1;
        }
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    }
    void signal(int sig) {
        if (pid_ > 0) ::kill(pid_, sig);
    }
    void kill_and_wait() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGCONT);  // a stopped process must run to die of SIGTERM; SIGKILL works anyway
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
        status_ = st;
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
    int status_ = 0;
};

/// Runs a command to completion; returns its exit code (-1: timeout or signal). Output captured
/// into `out` when given.
inline int run_command(const std::vector<std::string>& argv, std::string* out = nullptr,
                       milliseconds deadline = milliseconds(20'000)) {
    temp_dir dir;
    const std::string out_path = dir.file("stdout");
    child_process p(argv, out_path, dir.file("stderr"));
    const int rc = p.wait(deadline);
    if (out != nullptr) *out = read_text(out_path);
    return rc;
}

/// An unused loopback TCP port: bind port 0, read it, close. The broker then binds it; the
/// caller retries on the (rare) race with another process.
inline std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind a loopback port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

inline bool port_accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

struct mosquitto_options {
    // TLS listener (the only listener when set).
    std::string cafile{};
    std::string certfile{};
    std::string keyfile{};
    bool require_certificate = false;
    std::string password_file{};  // allow_anonymous false when set
    bool persistence = false;
    std::vector<std::string> extra{};  // more configuration lines
};

/// mosquitto 2.0 (/usr/sbin/mosquitto) on 127.0.0.1:<free port>.
class mosquitto_broker {
public:
    explicit mosquitto_broker(mosquitto_options options = {}) : options_(std::move(options)) {
        for (int attempt = 0; attempt < 5; ++attempt) {
            port_ = free_loopback_port();
            write_config();
            if (start()) return;
        }
        throw std::runtime_error("mosquitto did not start; log:\n" + read_text(dir_.file("mosquitto.log")));
    }
    ~mosquitto_broker() { process_.kill_and_wait(); }

    std::uint16_t port() const { return port_; }
    const temp_dir& dir() const { return dir_; }
    pid_t pid() const { return process_.pid(); }
    std::string log() const { return read_text(dir_.file("mosquitto.log")); }

    /// Starts the broker (again) on the same port; true once it accepts connections.
    bool start() {
        process_ = child_process({"/usr/sbin/mosquitto", "-c", dir_.file("mosquitto.conf")}, "/dev/null",
                                 dir_.file("mosquitto.log"));
        return wait_for([this] { return process_.running() && port_accepts(port_); }, milliseconds(10'000));
    }
    /// SIGTERM and wait: mosquitto saves its persistence file on the way out.
    void stop() {
        process_.signal(SIGTERM);
        if (process_.wait(milliseconds(10'000)) == -1) process_.kill_and_wait();
    }
    void freeze() { process_.signal(SIGSTOP); }
    void thaw() { process_.signal(SIGCONT); }

    std::vector<std::string> client_args(const std::string& tool) const {
        std::vector<std::string> a = {tool, "-V", "mqttv5", "-h", "127.0.0.1", "-p", std::to_string(port_)};
        return a;
    }

private:
    void write_config() {
        std::ostringstream c;
        c << "listener " << port_ << " 127.0.0.1\n";
        // Run as root, mosquitto would switch to user `mosquitto` and lose access to our files.
        if (::geteuid() == 0) c << "user root\n";
        if (!options_.certfile.empty()) {
            c << "cafile " << options_.cafile << "\ncertfile " << options_.certfile << "\nkeyfile "
              << options_.keyfile << "\n";
            c << "require_certificate " << (options_.require_certificate ? "true" : "false") << "\n";
        }
        if (!options_.password_file.empty()) {
            c << "allow_anonymous false\npassword_file " << options_.password_file << "\n";
        } else {
            c << "allow_anonymous true\n";
        }
        c << "persistence " << (options_.persistence ? "true" : "false") << "\n";
        if (options_.persistence) c << "persistence_location " << dir_.path() << "/\n";
        c << "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
        c << "max_queued_messages 1000000\n";
        for (const auto& line : options_.extra) c << line << "\n";
        write_file(dir_.file("mosquitto.conf"), c.str());
    }

    mosquitto_options options_;
    temp_dir dir_;
    std::uint16_t port_ = 0;
    child_process process_;
};

/// Test PKI made with the openssl CLI: a CA, a server certificate for `localhost` and 127.0.0.1
/// signed by it, a client certificate signed by it, and an unrelated second CA.
struct test_pki {
    explicit test_pki(const temp_dir& dir) {
        const auto f = [&](const char* n) { return dir.file(n); };
        ca_cert = f("ca.crt");
        ca_key = f("ca.key");
        server_cert = f("server.crt");
        server_key = f("server.key");
        client_cert = f("client.crt");
        client_key = f("client.key");
        other_ca_cert = f("other-ca.crt");
        write_file(f("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        write_file(f("client.ext"), "extendedKeyUsage=clientAuth\n");
        const std::vector<std::string> key = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
        auto req = [&](std::vector<std::string> a) {
            std::vector<std::string> argv = {"/usr/bin/openssl", "req"};
            argv.insert(argv.end(), key.begin(), key.end());
            argv.insert(argv.end(), a.begin(), a.end());
            if (run_command(argv) != 0) throw std::runtime_error("openssl req failed");
        };
        auto sign = [&](const std::string& csr, const std::string& out, const std::string& ext) {
            if (run_command({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
                             "-CAcreateserial", "-out", out, "-days", "2", "-extfile", ext}) != 0) {
                throw std::runtime_error("openssl x509 failed");
            }
        };
        req({"-x509", "-keyout", ca_key, "-out", ca_cert, "-days", "2", "-subj", "/CN=flowbridge test CA"});
        req({"-x509", "-keyout", f("other-ca.key"), "-out", other_ca_cert, "-days", "2", "-subj", "/CN=other CA"});
        req({"-keyout", server_key, "-out", f("server.csr"), "-subj", "/CN=localhost"});
        sign(f("server.csr"), server_cert, f("server.ext"));
        req({"-keyout", client_key, "-out", f("client.csr"), "-subj", "/CN=flowbridge-client"});
        sign(f("client.csr"), client_cert, f("client.ext"));
        // mosquitto runs as the same user; make the keys readable to it (0600 is fine).
    }
    std::string ca_cert, ca_key, server_cert, server_key, client_cert, client_key, other_ca_cert;
};

}  // namespace flowbridge::test
