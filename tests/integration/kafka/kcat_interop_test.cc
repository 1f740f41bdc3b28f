// Third-party interoperability (issue 4 acceptance): kcat produces to and consumes from
// `flowbridge kafka-mock` (or the standalone flowbridge_kafka_mock), and flowbridge's own producer and
// consumer exchange records with kcat. Everything on 127.0.0.1; every wait has a deadline.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <sstream>

#include "tests/integration/kafka/kafka_test_support.h"

extern char** environ;

namespace flowbridge::kafka::testing {
namespace {

/// The kafka-mock command as a child process with its stdin and stdout on pipes.
class mock_process {
public:
    explicit mock_process(const std::vector<std::string>& args) {
        int in[2];
        int out[2];
        if (::pipe(in) != 0 || ::pipe(out) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, in[1]);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        std::vector<std::string> all = {FLOWBRIDGE_KAFKA_MOCK_BIN};
        if (std::string_view(FLOWBRIDGE_KAFKA_MOCK_SUBCOMMAND) != "")
            all.emplace_back(FLOWBRIDGE_KAFKA_MOCK_SUBCOMMAND);
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
    }

    ~mock_process() {
        close_stdin();
        if (stdout_ >= 0) ::close(stdout_);
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    void send(const std::string& line) {
        const std::string l = line + "\n";
        ASSERT_EQ(::write(stdin_, l.data(), l.size()), static_cast<ssize_t>(l.size()));
    }
    void close_stdin() {
        if (stdin_ >= 0) ::close(stdin_);
        stdin_ = -1;
    }

    /// The next stdout line, or nullopt after `timeout`.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
        const auto deadline = steady::now() + timeout;
        for (;;) {
            if (auto nl = buffered_.find('\n'); nl != std::string::npos) {
                std::string line = buffered_.substr(0, nl);
                buffered_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - steady::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd fd = {stdout_, POLLIN, 0};
            if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[512];
            const ssize_t n = ::read(stdout_, buf, sizeof buf);
            if (n <= 0) return std::nullopt;
            buffered_.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Waits for the exit; returns the exit status, or -1 on timeout / abnormal end.
    int wait_exit(std::chrono::milliseconds timeout) {
        const auto deadline = steady::now() + timeout;
        while (steady::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(10ms);
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    bool exited_ = false;
    std::string buffered_;
};

/// Runs a shell command (bounded by `timeout 30`), feeding `input`; returns (exit code, stdout).
std::pair<int, std::string> run_shell(const std::string& command, const std::string& input = {}) {
    char path[] = "/tmp/flowbridge-kcat-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) return {-1, {}};
    ::close(fd);
    std::string full = "timeout 30 " + command + " > " + path;
    FILE* p = ::popen(full.c_str(), "w");
    if (!p) return {-1, {}};
    if (!input.empty()) std::fwrite(input.data(), 1, input.size(), p);
    const int status = ::pclose(p);
    std::string out;
    if (FILE* f = std::fopen(path, "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
        std::fclose(f);
    }
    std::remove(path);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string kcat() { return FLOWBRIDGE_KCAT; }

TEST(kafka_mock_process, prints_its_loopback_bootstrap_first_and_applies_stdin_commands) {
    mock_process mock({"--brokers", "2", "--topic", "t:3"});
    ASSERT_TRUE(mock.running());
    auto bootstrap = mock.read_line(10s);
    ASSERT_TRUE(bootstrap);
    EXPECT_TRUE(std::regex_match(*bootstrap, std::regex(R"(127\.0\.0\.1:\d+,127\.0\.0\.1:\d+)")))
        << *bootstrap;
    mock.send("down 2");
    EXPECT_EQ(mock.read_line(10s), "ok down 2");
    mock.send("no-such-command");  // reported on stderr, the mock keeps running
    mock.send("rtt 1 5");
    EXPECT_EQ(mock.read_line(10s), "ok rtt 1 5");
    mock.send("up 2");
    EXPECT_EQ(mock.read_line(10s), "ok up 2");
    mock.send("topic more 2");
    EXPECT_EQ(mock.read_line(10s), "ok topic more 2");
    mock.close_stdin();  // end of input: clean exit
    EXPECT_EQ(mock.wait_exit(20s), 0);
}

TEST(kafka_mock_process, exits_cleanly_on_sigterm) {
    mock_process mock({});
    ASSERT_TRUE(mock.running());
    ASSERT_TRUE(mock.read_line(10s));
    ::kill(mock.pid(), SIGTERM);
    EXPECT_EQ(mock.wait_exit(20s), 0);
}

TEST(kafka_mock_process, usage_error_exits_2) {
    mock_process mock({"--brokers", "zero"});
    ASSERT_TRUE(mock.running());
    EXPECT_EQ(mock.wait_exit(10s), 2);
}

class kcat_interop : public ::testing::Test {
protected:
    void SetUp() override {
        if (kcat().empty()) GTEST_SKIP() << "kcat not installed";
        mock_ = std::make_unique<mock_process>(std::vector<std::string>{"--topic", "kc:2"});
        ASSERT_TRUE(mock_->running());
        auto line = mock_->read_line(10s);
        ASSERT_TRUE(line);
        bootstrap_ = *line;
    }
    std::unique_ptr<mock_process> mock_;
    std::string bootstrap_;
};

TEST_F(kcat_interop, kcat_produces_to_and_consumes_from_kafka_mock) {
    auto [rc, out] = run_shell(kcat() + " -P -b " + bootstrap_ + " -t kc -p 1 -K: -H origin=kcat",
                               "k1:hello\nk2:world\n");
    ASSERT_EQ(rc, 0);
    std::tie(rc, out) = run_shell(kcat() + " -C -q -b " + bootstrap_ +
                                  " -t kc -p 1 -o beginning -e -f '%k=%s|%h\\n'");
    ASSERT_EQ(rc, 0);
    EXPECT_EQ(out, "k1=hello|origin=kcat\nk2=world|origin=kcat\n");
}

TEST_F(kcat_interop, flowbridge_producer_to_kcat_and_kcat_to_flowbridge_consumer) {
    // flowbridge → kcat
    producer_harness h(bootstrap_, {"kc"});
    ASSERT_TRUE(h.start());
    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 3; ++i) {
        record_spec s;
        s.partition = 0;
        s.key = "key" + std::to_string(i);
        s.value = "payload" + std::to_string(i);
        s.headers = {{"Content Type", "text/plain"}, {"n", std::to_string(i)}};
        records.push_back(store.add("kc", s));
    }
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(records.size(), 20s));
    ASSERT_EQ(h.count(completion::delivered), records.size());
    auto [rc, out] = run_shell(kcat() + " -C -q -b " + bootstrap_ +
                               " -t kc -p 0 -o beginning -e -f '%k=%s|%h\\n'");
    ASSERT_EQ(rc, 0);
    EXPECT_EQ(out,
              "key0=payload0|Content Type=text/plain,n=0\n"
              "key1=payload1|Content Type=text/plain,n=1\n"
              "key2=payload2|Content Type=text/plain,n=2\n");

    // kcat → flowbridge
    std::tie(rc, out) = run_shell(kcat() + " -P -b " + bootstrap_ + " -t kc -p 1 -K: -H x=y",
                                  "kk:from-kcat\n");
    ASSERT_EQ(rc, 0);
    auto got = consume(bootstrap_, {"kc"}, "kcat-interop", records.size() + 1, 20s);
    ASSERT_EQ(got.size(), records.size() + 1);
    bool found = false;
    for (const auto& c : got) {
        if (c.partition != 1) continue;
        found = true;
        EXPECT_EQ(c.key, std::optional<std::string>("kk"));
        EXPECT_EQ(c.value, "from-kcat");
        EXPECT_EQ(c.headers, (std::vector<std::pair<std::string, std::string>>{{"x", "y"}}));
    }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace flowbridge::kafka::testing
